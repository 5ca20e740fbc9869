"""Everyday English words that spelling- or sound-alike matching must never redact.

Two roles (see `vidkit.privacy.names`): a transcript word on this list is only ever redacted
by an exact roster match; and a roster name that is itself on this list (Will, Grace, Mark)
is redacted only where the transcript writes it as a name (capitalised) or next to another
name of the same person. The list is short on purpose: common speech in a therapy session,
plus the words that are also first names.
"""

from __future__ import annotations

_FUNCTION_WORDS = """
a about above after again against all almost also always am an and another any anyone
anything are around as at away back be because been before being below between both but by
can cannot could did do does doing done down during each either else enough even ever every
everyone everything few for from further had has have having he her here hers herself him
himself his how i if in into is it its itself just least less let like many may maybe me
might mine more most much must my myself neither never no nobody none nor not nothing now
of off often on once one only onto or other others ought our ours ourselves out over own
perhaps quite rather same several shall she should since so some somebody someone
something sometimes soon still such than that the their theirs them themselves then there
these they this those though through thus till to together too toward towards under until
up upon us very was we well were what whatever when where whether which while who whom
whose why will with within without would yet you your yours yourself yourselves
okay ok yeah yes yep nope oh ah um uh hmm alright please thanks thank sorry hello hi bye
goodbye welcome morning afternoon evening night today tomorrow yesterday tonight
"""

_EVERYDAY = """
able ache again ago ahead aim air almost along already although amount answer arm arms ask
asked back bad balance ball bar bars bed begin behind believe belt bend best better big bit
body bottom break breath breathe breathing bring busy call calm came can't care careful
carry case center centre chair change check chest chin close closer come comfortable coming
continue control cool count couple course cross day days deep different difficult doctor
don't door drink drop easy eat edge else end energy enjoy exercise exercises eye eyes face
fall far fast feel feeling feet fine finish first floor focus follow foot forward free
front full game gently get give given glad go goal going gone good got great ground hand
hands happy hard head heart heavy heel heels help here high higher hip hips hold home hope
hour house hurt idea inside job keep kind knee knees know lab last late later lean leg legs
left length less lift light line little long longer look looking lose lot low lower make
many mark marks meter meters metre metres middle mind minute minutes moment more move moving
much muscle name nearly neck need new next nice note number numbers open order pace pain
part pass patient pause people person place plan play point position posture power press
pretty push put quick quickly ready real really rest right road room round run safe said
same say screen second seconds see seem set shift short shoulder shoulders show side sit
slow slowly small smooth soft sound speed stand start starting stay step steps stop
straight strong sure swing table take talk task team tell test thing things think time
tired toe toes top touch track train training treadmill try turn turning two under use
walk walking wall want watch water way week weight while whole wide word words work world
worry yard year years
zero two three four five six seven eight nine ten eleven twelve twenty thirty forty fifty
hundred thousand half once twice
caren caron gait harness proprioception physiotherapist therapist therapy session sessions
rehab rehabilitation clinic hospital nurse virtual reality platform sensor sensors
"""

# Words that are also given names or surnames: a roster holding one of these matches it only
# where it reads as a name (see the module docstring).
NAME_WORDS = frozenset("""
will grace mark hope faith joy rose bill art sue pat dawn eve june april august may
frank grant jack ray rob don drew gene max victor sunny amber ruby iris lily ivy olive
holly heather daisy penny sandy rusty chase hunter reed wade stone king young white black
brown green baker bishop miller cook page bell wood hill rich summer autumn sky river
robin carol crystal destiny harmony melody patience prudence charity mercy angel star
""".split())

COMMON_WORDS = frozenset((_FUNCTION_WORDS + _EVERYDAY).split()) | NAME_WORDS
