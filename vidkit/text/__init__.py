"""Words and sentences of a transcript, shared by clip selection and descriptions: content
words, stems, term patterns, similarity, sentence splitting."""
