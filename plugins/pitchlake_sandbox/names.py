"""Deterministic randomness and the word lists synthetic people, clubs and grounds are made from.

Every random choice of the sandbox goes through :func:`rng`, seeded by a string that names what is
being drawn (``rng(seed, "squad", team_id)``). String seeds are hashed with SHA-512 by
:class:`random.Random`, so draws do not depend on ``PYTHONHASHSEED``, on the order requests arrive
in, or on which other entities were drawn before: the same seed always gives the same world.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from typing import TypeVar

T = TypeVar("T")


def rng(*parts: object) -> random.Random:
    return random.Random(":".join(str(part) for part in parts))


def pick(r: random.Random, items: Sequence[T]) -> T:
    return items[r.randrange(len(items))]


FIRST_NAMES = (
    "Aaron", "Adam", "Adrien", "Alessandro", "Alex", "Amadou", "Andrés", "Antoine", "Arne", "Ben",
    "Bruno", "Callum", "Carlos", "Christian", "Cristian", "Daniel", "Dario", "David", "Declan", "Diego",
    "Dominik", "Eduardo", "Emil", "Enzo", "Erik", "Fabian", "Federico", "Felix", "Florian", "Gabriel",
    "Georg", "Harry", "Hugo", "Ibrahim", "Ivan", "Jakub", "James", "Jan", "Jérôme", "João",
    "Jonas", "Jordan", "Joshua", "Julian", "Kai", "Karim", "Kevin", "Kieran", "Lars", "Leon",
    "Lucas", "Luka", "Marco", "Mario", "Mateo", "Mathias", "Matteo", "Max", "Mikel", "Moussa",
    "Nathan", "Nico", "Noah", "Oliver", "Omar", "Oscar", "Pablo", "Patrik", "Pedro", "Pierre",
    "Rafael", "Rasmus", "Reece", "Ricardo", "Rodrigo", "Ruben", "Samuel", "Sander", "Sergio", "Stefan",
    "Théo", "Thomas", "Tiago", "Timo", "Tom", "Tomás", "Victor", "Viktor", "William", "Youssef",
)

LAST_NAMES = (
    "Abbott", "Almeida", "Andersen", "Araújo", "Bakker", "Barnes", "Becker", "Bellamy", "Benítez", "Berg",
    "Blanco", "Bower", "Brandt", "Caldwell", "Carvalho", "Castro", "Coleman", "Costa", "Dalton", "Delgado",
    "Diallo", "Dijkstra", "Dubois", "Ekström", "Eriksen", "Fernández", "Ferreira", "Fischer", "Fontaine", "Garnier",
    "Gomes", "Grant", "Greco", "Hansen", "Hartmann", "Haynes", "Hofmann", "Holm", "Horvat", "Ibáñez",
    "Jansen", "Jovanović", "Keller", "Kendall", "Kovač", "Krüger", "Lambert", "Larsen", "Lefebvre", "Lindqvist",
    "Lombardi", "López", "Mahrez", "Marchetti", "Martins", "Mendy", "Meyer", "Molina", "Moreau", "Morris",
    "Navarro", "Nielsen", "Novak", "Okafor", "Olsen", "Ortega", "Owusu", "Pacheco", "Parker", "Pavlović",
    "Peeters", "Pereira", "Petrov", "Quinn", "Ramos", "Reyes", "Ricci", "Rossi", "Russo", "Santos",
    "Schmidt", "Schneider", "Silva", "Sørensen", "Stewart", "Suárez", "Sutton", "Thorsen", "Toure", "Vargas",
    "Vidal", "Vogel", "Walker", "Weber", "Whitfield", "Wójcik", "Young", "Zielinski", "Zimmermann", "Zubiri",
)

NATIONALITIES = (
    "England", "Spain", "France", "Germany", "Italy", "Portugal", "Netherlands", "Belgium", "Brazil",
    "Argentina", "Denmark", "Norway", "Sweden", "Croatia", "Serbia", "Poland", "Senegal", "Nigeria",
    "Ghana", "Morocco", "Scotland", "Wales", "Ireland", "Austria", "Switzerland", "Uruguay", "Colombia",
)

CITIES = (
    "Ashford", "Bramley", "Brackwell", "Castleton", "Clearwater", "Dunmore", "Eastbrook", "Elmstead",
    "Fairhaven", "Falkirk Vale", "Glenrock", "Greyport", "Harrowgate", "Highcliff", "Ironbridge",
    "Kingsford", "Lakeside", "Langholm", "Marlow Heath", "Millbrook", "Northam", "Oakridge", "Oldcastle",
    "Pennington", "Queensbury", "Redhill", "Riverton", "Rockport", "Saltmarsh", "Seaford", "Silverdale",
    "Southwick", "Stonebridge", "Thornbury", "Upton", "Waterford Bay", "Westbury", "Whitmore", "Windham",
    "Wolverton", "Yardley", "Ambergate", "Blackmoor", "Coldharbour", "Deepdale", "Everton Hill", "Foxley",
    "Goldthorpe", "Hollowell", "Ivybridge", "Juniper", "Kestrel", "Lowfield", "Moorside", "Newhaven",
    "Orchard Vale", "Portland", "Ravenscar", "Sunderby", "Tidewater",
)

CLUB_PATTERNS = (
    "{city} United", "{city} City", "{city} Rovers", "{city} Athletic", "FC {city}", "{city} Wanderers",
    "{city} Town", "{city} Albion", "Sporting {city}", "Real {city}", "{city} County", "Racing {city}",
)

VENUE_PATTERNS = (
    "{city} Stadium", "{city} Park", "Arena {city}", "{city} Road", "Stadion {city}", "{city} Lane",
)

STREETS = ("Stadium Way", "Park Road", "Victoria Street", "Station Road", "Mill Lane", "Church Street",
           "High Street", "Riverside Walk", "King's Road", "Harbour Road")

#: Real-world leagues known by id, for a sandbox started without recorded leagues: their names are
#: public facts; their clubs, players and results are synthetic.
CATALOGUE = {
    39: ("Premier League", "League", "England", "GB-ENG", "gb-eng"),
    140: ("La Liga", "League", "Spain", "ES", "es"),
    135: ("Serie A", "League", "Italy", "IT", "it"),
    78: ("Bundesliga", "League", "Germany", "DE", "de"),
    61: ("Ligue 1", "League", "France", "FR", "fr"),
    88: ("Eredivisie", "League", "Netherlands", "NL", "nl"),
    94: ("Primeira Liga", "League", "Portugal", "PT", "pt"),
    144: ("Jupiler Pro League", "League", "Belgium", "BE", "be"),
}

#: For league ids neither recorded nor catalogued: a plausible country and league name.
COUNTRIES = (
    ("Austria", "AT"), ("Denmark", "DK"), ("Norway", "NO"), ("Sweden", "SE"), ("Poland", "PL"),
    ("Croatia", "HR"), ("Serbia", "RS"), ("Scotland", "GB-SCT"), ("Switzerland", "CH"), ("Greece", "GR"),
    ("Czech-Republic", "CZ"), ("Romania", "RO"), ("Hungary", "HU"), ("Ireland", "IE"), ("Finland", "FI"),
)
LEAGUE_NAMES = ("Premier Division", "Super League", "First Division", "Championship", "Premiership",
                "Elite League", "National League", "Liga 1")

REFEREES = ("M. Oliver", "A. Taylor", "S. Attwell", "P. Bankes", "C. Kavanagh", "J. Brooks", "D. Coote",
            "R. Jones", "T. Robinson", "S. Hooper", "J. Gillett", "C. Pawson", "T. Bramall", "A. Madley",
            "D. England", "L. Smith", "M. Salisbury", "S. Barrott", "R. Madley", "T. Harrington")

INJURY_REASONS = ("Knee Injury", "Hamstring Injury", "Ankle Injury", "Muscle Injury", "Groin Injury",
                  "Calf Injury", "Back Injury", "Illness", "Suspended", "Red Card", "Thigh Injury",
                  "Foot Injury", "Concussion", "Shoulder Injury")

FORMATIONS = ("4-4-2", "4-3-3", "4-2-3-1", "3-5-2", "3-4-2-1", "5-3-2", "4-1-4-1")

#: Shirt colours as the API gives them (hex without '#').
COLOURS = ("ea0000", "ffffff", "132257", "6cabdd", "034694", "fdb913", "7a263a", "000000", "ef0107",
           "1b458f", "00a650", "f58220", "670e36", "c8102e", "241f20", "dd0000", "0053a0", "95bfe5")
