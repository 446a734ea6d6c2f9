"""Demo data: the programme's spring 2023 round as the experience write-up describes it.

Deterministic and idempotent: running it again updates the same rows and
creates nothing twice. Passwords are set only when a demo user is created, so
a password someone changed stays changed.
"""

from __future__ import annotations

import datetime
from functools import partial

from django.core.management.base import BaseCommand
from django.db import transaction

from innopraksis.models import User
from orgs.models import Membership, MembershipRole, Organisation, Sector
from students import services as placement_services
from students.models import Cohort, Placement, PlacementState, Student, Weekday

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


SPRING_2022 = ("Internship våren 2022", datetime.date(2022, 1, 10), datetime.date(2022, 5, 20))
SPRING_2023 = ("Internship våren 2023", datetime.date(2023, 1, 9), datetime.date(2023, 5, 19))
# The day the demo looks at the spring 2023 round from: mid-February 2023, when
# most internships have started and some agreements are still under way.
DEMO_TODAY = datetime.date(2023, 2, 15)
# Spring 2023 placements by student number: everyone not listed is active.
STATES_2023 = {
    **dict.fromkeys([3, 9, 17, 26], PlacementState.AGREEMENT),
    **dict.fromkeys([5, 22], PlacementState.PLANNED),
    14: PlacementState.CANCELLED,
}


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
        created += self._seed_placements()
        return created

    def _cohort(self, name: str, starts_on: datetime.date, ends_on: datetime.date) -> Cohort:
        cohort, _ = Cohort.objects.update_or_create(
            name=name,
            defaults={"starts_on": starts_on, "ends_on": ends_on, "internship_courses": ", ".join(INTERNSHIP_COURSES)},
        )
        return cohort

    def _place(self, cohort: Cohort, student: Student, org_number: str, state: PlacementState, today) -> None:
        organisation = Organisation.objects.get(org_number=org_number)
        placement, was_created = Placement.objects.update_or_create(
            cohort=cohort,
            student=student,
            defaults={
                "organisation": organisation,
                "starts_on": cohort.starts_on,
                "ends_on": cohort.ends_on,
                "work_days": [Weekday.TUESDAY, Weekday.THURSDAY],
            },
        )
        placement.supervisors.set(User.objects.filter(memberships__organisation=organisation))
        if not was_created:
            return
        # Walk the lifecycle the way the portal does, up to the demo state.
        agree = placement_services.placement_start_agreement
        activate = partial(placement_services.placement_activate, today=today)
        complete = partial(placement_services.placement_complete, today=today)
        path = {
            PlacementState.PLANNED: [],
            PlacementState.AGREEMENT: [agree],
            PlacementState.ACTIVE: [agree, activate],
            PlacementState.COMPLETED: [agree, activate, complete],
            PlacementState.CANCELLED: [placement_services.placement_cancel],
        }[state]
        for step in path:
            step(placement=placement)

    def _seed_placements(self) -> int:
        """Spring 2022: the three returning organisations' alumni. Spring 2023: all thirty students."""
        created = 0
        spring_2022 = self._cohort(*SPRING_2022)
        for number in range(1, 7):
            user, was_created = self._user(f"alumni{number:02d}@student.innopraksis.example", f"Alumni {number}")
            created += was_created
            student, _ = Student.objects.get_or_create(user=user, defaults={"study_programme": STUDY_PROGRAMME})
            org_number = ORGANISATIONS[(number - 1) % 3][0]
            self._place(
                spring_2022,
                student,
                org_number,
                PlacementState.COMPLETED,
                spring_2022.ends_on + datetime.timedelta(days=1),
            )
        spring_2023 = self._cohort(*SPRING_2023)
        for number in range(1, 31):
            student = Student.objects.get(user__email=demo_student_email(number))
            org_number = ORGANISATIONS[(number - 1) % len(ORGANISATIONS)][0]
            self._place(spring_2023, student, org_number, STATES_2023.get(number, PlacementState.ACTIVE), DEMO_TODAY)
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
