"""Demo data: the programme's spring 2023 round as the experience write-up describes it.

Deterministic and idempotent: running it again updates the same rows and
creates nothing twice. Passwords are set only when a demo user is created, so
a password someone changed stays changed.
"""

from __future__ import annotations

from django.core.management.base import BaseCommand
from django.db import transaction

from innopraksis.models import User
from orgs.models import Membership, MembershipRole, Organisation, Sector
from students.models import Student

DEMO_PASSWORD = "innopraksis-demo"

COORDINATORS = [
    ("koordinator@innopraksis.example", "Kari Nordmann"),
    ("koordinator2@innopraksis.example", "Ola Hansen"),
]

# (org number, name, sector, address, website, supervisors); the first three
# also hosted students in spring 2022, the last four are new in spring 2023.
ORGANISATIONS = [
    (
        "912345602",
        "Solberg & Dahl Revisjon AS",
        Sector.PRIVATE,
        "Storgata 12, 0155 Oslo",
        "https://solbergdahl.example",
        [
            ("veileder@solbergdahl.example", "Ingrid Solberg", MembershipRole.MAIN_CONTACT),
            ("lars.dahl@solbergdahl.example", "Lars Dahl", MembershipRole.SUPERVISOR),
        ],
    ),
    (
        "923456716",
        "Nordvik kommune",
        Sector.PUBLIC,
        "Rådhusplassen 1, 8000 Bodø",
        "https://nordvik.example",
        [
            ("silje.berg@nordvik.example", "Silje Berg", MembershipRole.MAIN_CONTACT),
            ("tor.lie@nordvik.example", "Tor Lie", MembershipRole.SUPERVISOR),
        ],
    ),
    (
        "945678933",
        "Fjellheim Sparebank",
        Sector.PRIVATE,
        "Bankplassen 3, 2815 Gjøvik",
        "https://fjellheim.example",
        [("marte.haugen@fjellheim.example", "Marte Haugen", MembershipRole.MAIN_CONTACT)],
    ),
    (
        "956789044",
        "Havlys Sjømat AS",
        Sector.PRIVATE,
        "Kaiveien 8, 6002 Ålesund",
        "https://havlys.example",
        [("eirik.moen@havlys.example", "Eirik Moen", MembershipRole.MAIN_CONTACT)],
    ),
    (
        "967890154",
        "Grønn Vekst Innovasjon AS",
        Sector.PRIVATE,
        "Forskningsparken 2, 0349 Oslo",
        "https://gronnvekst.example",
        [
            ("nora.strand@gronnvekst.example", "Nora Strand", MembershipRole.MAIN_CONTACT),
            ("jonas.vik@gronnvekst.example", "Jonas Vik", MembershipRole.SUPERVISOR),
        ],
    ),
    (
        "978901263",
        "Kulturhuset Brygga",
        Sector.NONPROFIT,
        "Bryggen 5, 5003 Bergen",
        "https://brygga.example",
        [("hanne.lund@brygga.example", "Hanne Lund", MembershipRole.MAIN_CONTACT)],
    ),
    (
        "987654309",
        "Tindra Reiseliv AS",
        Sector.PRIVATE,
        "Torget 4, 9008 Tromsø",
        "https://tindra.example",
        [
            ("andreas.holm@tindra.example", "Andreas Holm", MembershipRole.MAIN_CONTACT),
            # A coordinator who also supervises: shows how a person switches roles.
            ("koordinator2@innopraksis.example", "Ola Hansen", MembershipRole.SUPERVISOR),
        ],
    ),
]

FIRST_NAMES = [
    "Emma",
    "Jakob",
    "Nora",
    "Filip",
    "Sara",
    "Aksel",
    "Ingrid",
    "Magnus",
    "Thea",
    "Sander",
    "Maja",
    "Henrik",
    "Ida",
    "Elias",
    "Selma",
    "Tobias",
    "Astrid",
    "Mathias",
    "Live",
    "Olav",
    "Frida",
    "Kristian",
    "Hedda",
    "Sigurd",
    "Amalie",
    "Johannes",
    "Tuva",
    "Eskil",
    "Vilde",
    "Mikkel",
]
LAST_NAMES = [
    "Johansen",
    "Olsen",
    "Larsen",
    "Andersen",
    "Pedersen",
    "Nilsen",
    "Kristiansen",
    "Jensen",
    "Karlsen",
    "Eriksen",
]
STUDY_PROGRAMME = "Bachelor i økonomi og administrasjon"
INTERNSHIP_COURSES = ["INP3001", "INP3002", "INP3003"]


def demo_student_email(number: int) -> str:
    return f"student{number:02d}@student.innopraksis.example"


class Command(BaseCommand):
    help = "Create or update the demo data (spring 2023 round) and print one demo login per role."

    def add_arguments(self, parser):
        parser.add_argument("--quiet", action="store_true", help="Do not print the demo logins.")

    def handle(self, *args, quiet: bool = False, **options):
        with transaction.atomic():
            created = self._seed()
        if not quiet:
            self._print_logins(created)

    def _user(self, email: str, full_name: str, **fields) -> tuple[User, bool]:
        user, created = User.objects.update_or_create(email=email, defaults={"full_name": full_name, **fields})
        if created:
            user.set_password(DEMO_PASSWORD)
            user.save(update_fields=["password"])
        return user, created

    def _seed(self) -> int:
        created = 0
        for email, name in COORDINATORS:
            created += self._user(email, name, is_coordinator=True)[1]
        for org_number, name, sector, address, website, supervisors in ORGANISATIONS:
            organisation, _ = Organisation.objects.update_or_create(
                org_number=org_number,
                defaults={"name": name, "sector": sector, "address": address, "website": website},
            )
            for email, full_name, role in supervisors:
                user, was_created = self._user(email, full_name)
                created += was_created
                Membership.objects.update_or_create(user=user, organisation=organisation, defaults={"role": role})
        for number in range(1, 31):
            first = FIRST_NAMES[number - 1]
            last = LAST_NAMES[(number * 7) % len(LAST_NAMES)]
            user, was_created = self._user(demo_student_email(number), f"{first} {last}")
            created += was_created
            Student.objects.update_or_create(
                user=user,
                defaults={
                    "study_programme": STUDY_PROGRAMME,
                    "internship_course": INTERNSHIP_COURSES[number % len(INTERNSHIP_COURSES)],
                    "phone": f"+47 9{number:02d} 00 {number:03d}",
                },
            )
        return created

    def _print_logins(self, created: int) -> None:
        rows = [
            ("Koordinator / coordinator", COORDINATORS[0][0]),
            ("Veileder / supervisor", ORGANISATIONS[0][5][0][0]),
            ("Student", demo_student_email(1)),
            ("Koordinator og veileder / both", COORDINATORS[1][0]),
        ]
        self.stdout.write(self.style.SUCCESS(f"Demo data ready ({created} new users)."))
        self.stdout.write(f"Demo logins (password for all: {DEMO_PASSWORD}):")
        for label, email in rows:
            self.stdout.write(f"  {label:<32} {email}")
