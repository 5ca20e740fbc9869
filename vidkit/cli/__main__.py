from vidkit.cli import app

app(prog_name="vidkit")
