"""MovieLens files in each layout's documented format, small enough to check by eye."""

from __future__ import annotations

from pathlib import Path

CSV_RATINGS = """userId,movieId,rating,timestamp
1,10,4.0,964982703
1,20,3.5,964981247
2,10,5.0,964982224
2,30,0.5,964983815
3,20,2.5,964982931
"""
# Quoted titles with commas, a UTF-8 accent and a movie without genres.
CSV_MOVIES = """movieId,title,genres
10,Heat (1995),Action|Crime|Thriller
20,"Café, The (2001)",(no genres listed)
30,"American President, The (1995)",Comedy|Drama|Romance
"""
CSV_TAGS = """userId,movieId,tag,timestamp
1,10,"tense, long",1445714994
3,20,1920s,1445714996
"""
CSV_LINKS = """movieId,imdbId,tmdbId
10,0113277,949
20,0000001,
30,0112346,9087
"""

DAT_RATINGS = """1::10::5::978300760
1::20::3::978302109
2::10::4::978301968
2::30::1::978300275
"""
DAT_MOVIES = """10::Star Wars: Episode IV - A New Hope (1977)::Action|Adventure|Sci-Fi
20::Café au lait (1993)::Comedy
30::Untitled (2000)::(no genres listed)
"""
DAT_TAGS = """1::10::space opera::1188263867
2::30::bad::1188263880
"""

U_DATA = "196\t242\t3\t881250949\n186\t302\t3\t891717742\n196\t302\t1\t878887116\n"
# id | title | release date | video release date | IMDb URL | 19 genre flags
U_ITEM = (
    "242|Kolya (1996)|24-Jan-1997||http://us.imdb.com/M/title-exact?Kolya"
    "|0|0|0|0|0|1|0|0|0|0|0|0|0|0|0|0|0|0|0\n"
    "302|L.A. Confidential (1997)|01-Jan-1997||http://us.imdb.com/M/title-exact"
    "|0|0|0|0|0|0|1|0|0|0|1|0|0|1|0|0|1|0|0\n"
    "303|Café Flesh (1982)|01-Jan-1982||"
    "|1|0|0|0|0|0|0|0|0|0|0|0|0|0|0|0|0|0|0\n"
)
U_GENRE = (
    "unknown|0\nAction|1\nAdventure|2\nAnimation|3\nChildren's|4\nComedy|5\n"
    "Crime|6\nDocumentary|7\nDrama|8\nFantasy|9\nFilm-Noir|10\nHorror|11\n"
    "Musical|12\nMystery|13\nRomance|14\nSci-Fi|15\nThriller|16\nWar|17\n"
    "Western|18\n\n"
)

LAYOUTS: dict[str, dict[str, tuple[str, str]]] = {
    # file name -> (text, encoding)
    "csv": {
        "ratings.csv": (CSV_RATINGS, "utf-8"),
        "movies.csv": (CSV_MOVIES, "utf-8"),
        "tags.csv": (CSV_TAGS, "utf-8"),
        "links.csv": (CSV_LINKS, "utf-8"),
    },
    "dat": {
        "ratings.dat": (DAT_RATINGS, "latin-1"),
        "movies.dat": (DAT_MOVIES, "latin-1"),
        "tags.dat": (DAT_TAGS, "latin-1"),
    },
    "100k": {
        "u.data": (U_DATA, "latin-1"),
        "u.item": (U_ITEM, "latin-1"),
        "u.genre": (U_GENRE, "latin-1"),
    },
}


def write_text(path: Path, text: str, *, encoding: str, crlf: bool = False) -> Path:
    """Write `text` with LF or CRLF line endings, creating parent folders."""
    path.parent.mkdir(parents=True, exist_ok=True)
    if crlf:
        text = text.replace("\n", "\r\n")
    path.write_bytes(text.encode(encoding))
    return path
