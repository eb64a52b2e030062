"""Container names: Docker's syntax check and friendly random names."""

from __future__ import annotations

import os
import re

from nerdpy.errors import InvalidArgument

# fullmatch: `$` would also match before a trailing newline (a name that breaks `ps`).
_VALID = re.compile(r"[a-zA-Z0-9][a-zA-Z0-9_.-]+")

_LEFT = (
    "admiring adoring agitated amazing angry awesome blissful bold boring brave busy charming clever "
    "compassionate competent condescending confident cool cranky crazy dazzling determined distracted "
    "dreamy eager ecstatic elastic elated elegant eloquent epic exciting fervent festive flamboyant "
    "focused friendly frosty funny gallant gifted goofy gracious great happy hardcore heuristic hopeful "
    "hungry infallible inspiring intelligent interesting jolly jovial keen kind laughing loving lucid "
    "magical modest musing mystifying naughty nervous nice nifty nostalgic objective optimistic peaceful "
    "pedantic pensive practical priceless quirky quizzical relaxed reverent romantic sad serene sharp "
    "silly sleepy stoic strange stupefied suspicious sweet tender thirsty trusting unruffled upbeat "
    "vibrant vigilant vigorous wizardly wonderful xenodochial youthful zealous zen"
).split()
_RIGHT = (
    "albattani allen almeida archimedes ardinghelli babbage banach bardeen bartik bassi bell benz bhabha "
    "blackwell bohr booth borg bose brahmagupta brattain brown carson chandrasekhar chatelet chaum "
    "chebyshev clarke cohen curie darwin davinci dijkstra dirac driscoll dubinsky easley einstein elion "
    "engelbart euclid euler faraday fermat fermi feynman franklin gagarin galileo gates gauss goldberg "
    "goodall gould hamilton hawking heisenberg hermann hodgkin hopper hypatia jackson jang jennings "
    "johnson kalam kapitsa keller kepler khorana kilby kirch knuth lalande lamarr lamport leakey "
    "leavitt lewin lichterman liskov lovelace lumiere mahavira mayer mccarthy mcclintock meitner "
    "mendel merkle mirzakhani montalcini moore morse napier nash neumann newton nobel noether northcutt "
    "noyce pascal pasteur payne perlman pike poincare ptolemy raman ramanujan ritchie rosalind "
    "sammet shannon shaw shockley sinoussi snyder solomon stonebraker swanson tesla thompson torvalds "
    "turing varahamihira villani wescoff wiles williams wilson wing wozniak wright yalow yonath"
).split()


def validate_name(name: str) -> str:
    """Docker's container-name rule; the name as stored: Docker accepts one
    leading '/' (its own names carry it) and drops it. No length limit, as in Docker."""
    bare = name.removeprefix("/")
    if not _VALID.fullmatch(bare):
        raise InvalidArgument(
            f"invalid container name {name!r}", hint="only [a-zA-Z0-9][a-zA-Z0-9_.-] are allowed"
        )
    return bare


def random_name() -> str:
    # Four random digits keep collisions among concurrent creates unlikely; the
    # UNIQUE index in sqlite still has the last word.
    a, b, n = os.urandom(3)
    return f"{_LEFT[a % len(_LEFT)]}_{_RIGHT[b % len(_RIGHT)]}{n % 100 if n % 3 == 0 else ''}"
