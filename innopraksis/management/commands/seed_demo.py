"""Demo data: a round of the programme as the experience write-up describes it.

The current round is under way on the day the demo is first seeded (it
started six weeks earlier), and the previous round ended a year before, so
that deadlines, overdue agreements and due dates look as they would in real
use. The current round's placements came from a published matching round;
the next round's matching round is ready to run: the students have ranked,
and the organisations have a few days left to rank them. Deterministic and
idempotent: running it again finds the rounds it made and updates the same
rows, creating nothing twice. Passwords are set only when a demo user is
created, so a password someone changed stays changed.
"""

from __future__ import annotations

import datetime

from allauth.mfa.models import Authenticator
from allauth.mfa.recovery_codes.internal.auth import RecoveryCodes
from allauth.mfa.totp.internal.auth import TOTP
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone, translation
from django.utils.formats import date_format

from feedback import checkins, conversation, gatherings, lifecycle
from feedback.models import (
    CheckIn,
    Delivery,
    Evaluation,
    Experience,
    ExperienceReport,
    FollowUp,
    FollowUpKind,
    Gathering,
    GatheringKind,
    GatheringOrganisation,
    YesMaybeNo,
    YesPartlyNo,
)
from innopraksis.models import Mail, MailStatus, ReminderDigest, User
from orgs.models import Membership, MembershipRole, Organisation, Sector
from students import agreement_steps, agreements, onboarding, placements, rounds
from students.models import (
    Applicant,
    CachedFigures,
    Cohort,
    ExpectationAgreement,
    FeedbackFrequency,
    MatchingRound,
    MatchRun,
    OnboardingItem,
    PairingKind,
    Placement,
    PlacementState,
    RoundOrganisation,
    Side,
    Student,
    Weekday,
)

DEMO_PASSWORD = "innopraksis-demo"
# The demo coordinators' authenticator app (coordinators must give a second factor): the key to type into one.
DEMO_TOTP_SECRET = "INNOPRAKSISDEMOKEYFORTOTPAPPS234"

COORDINATORS = [
    ("koordinator@innopraksis.example", "Kari Nordmann"),
    ("koordinator2@innopraksis.example", "Ola Hansen"),
]

# (org number, name, sector, address, website, supervisors); the first three
# also hosted students in the previous round, the last four are new in this one.
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

# The next round's students, numbered on from the current round's thirty: they rank the organisations in the
# next round's matching round.
NEXT_STUDENTS = range(31, 61)
NEXT_FIRST_NAMES = [
    "Oskar",
    "Leah",
    "Isak",
    "Sofie",
    "Noah",
    "Emilie",
    "Lukas",
    "Ella",
    "William",
    "Julie",
    "Theodor",
    "Hanna",
    "Adrian",
    "Mathilde",
    "Even",
    "Sofia",
    "Martin",
    "Vilja",
    "Sebastian",
    "Aurora",
    "Håkon",
    "Ingeborg",
    "Peder",
    "Oda",
    "Brage",
    "Marie",
    "Torstein",
    "Siri",
    "Vetle",
    "Linnea",
]
NEXT_LAST_NAMES = [
    "Halvorsen",
    "Bakken",
    "Solheim",
    "Strøm",
    "Myhre",
    "Rønning",
    "Lunde",
    "Brekke",
    "Sæther",
    "Eide",
    "Hagen",
]
# More than half a year, so that the next round never gets the current round's name (a round starting on
# 1 July would be named "høsten" again 26 weeks later).
NEXT_ROUND_AFTER = datetime.timedelta(weeks=27)

# Positions in ORGANISATIONS, to write the rankings below readably.
SOLBERG, NORDVIK, FJELLHEIM, HAVLYS, GRONN, BRYGGA, TINDRA = range(len(ORGANISATIONS))

# What each organisation states in a matching round: (places in the next round, days, place, tasks).
# Havlys takes nobody this time; students who ranked it anyway get their next choice.
ROUND_PARTICIPATION = {
    SOLBERG: (
        5,
        [Weekday.TUESDAY, Weekday.THURSDAY],
        "Storgata 12, Oslo – kontorlandskapet i 3. etasje",
        "Årsoppgjør og revisjon for små og mellomstore kunder, avstemminger, kundemøter sammen med en "
        "revisor og et eget analyseprosjekt om digitale bilag.",
    ),
    NORDVIK: (
        6,
        [Weekday.MONDAY, Weekday.WEDNESDAY],
        "Rådhuset i Bodø, økonomiavdelingen",
        "Budsjettarbeid i kommunen, analyse av innbyggerundersøkelsen, møter i formannskapets sekretariat og "
        "en uke med plan- og byggesaksavdelingen.",
    ),
    FJELLHEIM: (
        3,
        [Weekday.TUESDAY, Weekday.THURSDAY],
        "Bankplassen 3, Gjøvik",
        "Kredittvurdering av bedriftskunder, bærekraftsrapportering etter nye EU-krav og kundemøter i personmarkedet.",
    ),
    HAVLYS: (
        0,
        [Weekday.WEDNESDAY, Weekday.FRIDAY],
        "Kaiveien 8, Ålesund, og anlegget på Hareid",
        "Eksportstatistikk, prising mot nye markeder i Asia og logistikk fra anlegg til kunde. Vi har ingen "
        "plasser dette semesteret på grunn av en omorganisering, men vil gjerne være med neste gang.",
    ),
    GRONN: (
        6,
        [Weekday.TUESDAY, Weekday.WEDNESDAY, Weekday.THURSDAY],
        "Forskningsparken 2, Oslo",
        "Forretningsmodell og finansiering for en pilot med solcelledrevne kjølerom, søknader til Innovasjon "
        "Norge og investormøter sammen med daglig leder.",
    ),
    BRYGGA: (
        2,
        [Weekday.THURSDAY, Weekday.FRIDAY],
        "Bryggen 5, Bergen",
        "Publikumsundersøkelse, billettprising og sponsoravtaler, og en hånd med i planleggingen av sommerfestivalen.",
    ),
    TINDRA: (
        6,
        [Weekday.MONDAY, Weekday.TUESDAY],
        "Torget 4, Tromsø, med noen dager på hurtigruteterminalen",
        "Markedsføring mot utenlandske turister, analyse av bookingdata, produktutvikling for vintersesongen "
        "og kundeservice i høysesong.",
    ),
}

# Why a student ranked an organisation, a few ways of saying it per organisation.
MOTIVATIONS = {
    SOLBERG: [
        "Jeg vil bli revisor og vil se hvordan et årsoppgjør faktisk gjøres.",
        "Liker tall og orden, og vil lære regnskap i praksis.",
        "Fikk god kontakt med dem på karrieredagen.",
    ],
    NORDVIK: [
        "Vil jobbe i offentlig sektor og forstå hvordan en kommune styrer økonomien.",
        "Budsjettarbeid og samfunnsnytte – det er derfor jeg valgte studiet.",
        "Jeg er fra Bodø og vil gjerne bidra hjemme.",
    ],
    FJELLHEIM: [
        "Interessert i bank og kreditt, og særlig bærekraftsrapportering.",
        "Vil lære kredittvurdering av bedrifter.",
        "En lokalbank virker som et godt sted å lære hele bredden.",
    ],
    HAVLYS: [
        "Sjømat og eksport er spennende, og jeg har jobbet på fiskemottak om somrene.",
        "Vil lære om prising i internasjonale markeder.",
    ],
    GRONN: [
        "Vil jobbe med grønn omstilling og gründere.",
        "Et lite selskap der jeg får ansvar fra første dag.",
        "Finansiering av nye ideer er akkurat det jeg vil lære mer om.",
        "Brenner for klima og vil se hvordan det blir forretning.",
    ],
    BRYGGA: [
        "Kultur og økonomi i samme jobb – drømmen.",
        "Har vært frivillig på festivaler i mange år.",
    ],
    TINDRA: [
        "Reiseliv og markedsføring er det jeg vil jobbe med.",
        "Snakker tysk og fransk og vil bruke språkene.",
        "Vil lære å bruke bookingdata til å ta bedre beslutninger.",
    ],
}

# The next round's students' rankings, best first, by student number; student 1 (the main demo student) ranks
# too, so that their home page shows the round.
NEXT_ROUND_CHOICES = {
    1: (GRONN, TINDRA, NORDVIK),
    31: (GRONN, TINDRA, NORDVIK),
    32: (TINDRA, BRYGGA),
    33: (SOLBERG, FJELLHEIM, NORDVIK, GRONN),
    34: (NORDVIK, SOLBERG),
    35: (GRONN, HAVLYS, TINDRA, FJELLHEIM, NORDVIK),
    36: (FJELLHEIM, SOLBERG, NORDVIK),
    37: (BRYGGA, TINDRA, NORDVIK),
    38: (TINDRA, GRONN, HAVLYS),
    39: (GRONN, NORDVIK),
    40: (SOLBERG, FJELLHEIM),
    41: (HAVLYS, GRONN, TINDRA),
    42: (NORDVIK, BRYGGA, GRONN, SOLBERG),
    43: (TINDRA, NORDVIK, SOLBERG),
    44: (GRONN, TINDRA, BRYGGA, NORDVIK, FJELLHEIM),
    45: (FJELLHEIM, SOLBERG),
    46: (NORDVIK, GRONN, FJELLHEIM),
    47: (TINDRA, HAVLYS),
    48: (SOLBERG, NORDVIK, TINDRA),
    49: (GRONN, FJELLHEIM, SOLBERG),
    50: (BRYGGA, NORDVIK),
    51: (TINDRA, GRONN, NORDVIK, SOLBERG),
    52: (NORDVIK, TINDRA),
    53: (FJELLHEIM, GRONN, SOLBERG, NORDVIK),
    54: (GRONN, BRYGGA, TINDRA),
    55: (SOLBERG, TINDRA),
    56: (TINDRA, SOLBERG, GRONN, HAVLYS, NORDVIK),
    57: (NORDVIK, FJELLHEIM, SOLBERG),
    58: (GRONN, TINDRA),
    59: (HAVLYS, SOLBERG, FJELLHEIM),
    60: (SOLBERG, GRONN, NORDVIK, TINDRA),
}
# The organisations that have ranked their applicants so far, and how many of them (None: all); Nordvik
# found one student not suitable.
NEXT_ROUND_RANKED = {NORDVIK: None, FJELLHEIM: None, GRONN: 3}
NOT_SUITABLE = (NORDVIK, 52)
# The coordinators' decisions: student 37 has a placement at Brygga agreed beforehand (a special need), and
# student 45's father is the branch manager at Fjellheim, so that pair is ruled out.
NEXT_ROUND_PIN = (37, BRYGGA)
NEXT_ROUND_FORBID = (45, FJELLHEIM)
# In the current round's matching round, these students' first choice went to students its organisation
# ranked higher, so they got their second choice: the organisation they are placed at.
GOT_SECOND_CHOICE = {3, 11, 19, 27}


# Placements of the current round by student number: everyone not listed is active.
STATES_NOW = {
    **dict.fromkeys([3, 9, 17, 26], PlacementState.AGREEMENT),
    **dict.fromkeys([5, 22], PlacementState.PLANNED),
    14: PlacementState.CANCELLED,
}
# How far each agreement under way has come; 17 and 26 start three weeks late,
# so their agreements are not due yet.
AGREEMENT_STAGES = {3: "student_half", 9: "returned", 17: "student_signed", 26: "signed"}
LATE_STARTERS = {17, 26}
# Active placements whose agreement has a story: changed after signing, or signed on paper.
AGREEMENT_HISTORY = {1: "changed_after_signing", 2: "paper"}

STUDENT_ANSWERS = [
    {
        "student_wants": "Erfaring med økonomistyring i praksis og å se hvordan faget brukes i en ekte organisasjon.",
        "student_learning_goals": "Lage et budsjett fra bunnen av.\nPresentere tall for folk som ikke er økonomer.",
        "student_strengths": "Strukturert, god i Excel, liker å skrive.",
        "student_interests": "Bærekraft og offentlig sektor.",
        "student_unsure": "Om jeg tør å si fra når jeg ikke forstår en oppgave.",
        "student_weekdays": [2, 4],
        "student_days_hours": "09–16.",
        "student_other": "Eksamen i uke 21.",
    },
    {
        "student_wants": "Å prøve meg på markedsføring og kundekontakt, og kanskje en jobb etter studiet.",
        "student_learning_goals": "Planlegge en kampanje.\nMåle resultater og forklare dem.",
        "student_strengths": "Sosial, kreativ, vant til å jobbe i team.",
        "student_interests": "Digital markedsføring og reiseliv.",
        "student_unsure": "Hvor selvstendig jeg forventes å jobbe den første tiden.",
        "student_weekdays": [2, 4],
        "student_days_hours": "Fleksibel tid.",
        "student_other": "",
    },
    {
        "student_wants": "Innsikt i hvordan beslutninger tas, og hvordan analyser brukes i ledelsen.",
        "student_learning_goals": "Gjøre en analyse som blir brukt.\nBli tryggere i møter.",
        "student_strengths": "Analytisk og nøyaktig.",
        "student_interests": "Finans, data og strategi.",
        "student_unsure": "Om oppgavene blir for store eller for små for meg.",
        "student_weekdays": [2, 4],
        "student_days_hours": "08–15.",
        "student_other": "Trener fotball onsdager, ellers fleksibel.",
    },
]


def organisation_answers(organisation: Organisation, supervisor: User, number: int) -> dict:
    return {
        "org_deliverables": f"Et avgrenset prosjekt for {organisation.name} med en kort rapport og en presentasjon.",
        "org_quality": "Arbeid vi kan bruke videre: ryddig, etterprøvbart og levert til avtalt tid.",
        "org_independence": "Tett oppfølging de første ukene, deretter mer selvstendig arbeid.",
        "org_role": "Studenten er en del av teamet, har eget ansvar for prosjektet og deltar på teammøter.",
        "org_tasks": "Teammøter, kundemøter, budsjettarbeid, en dag med ledelsen og en dag i drift – "
        "tilpasset det studenten ønsker å lære.",
        "org_feedback_how": "Kort samtale etter hver leveranse; vi sier tydelig fra når noe ikke holder mål.",
        "org_feedback_frequency": FeedbackFrequency.WEEKLY if number % 2 else FeedbackFrequency.FORTNIGHTLY,
        "contact_name": supervisor.get_full_name(),
        "contact_email": supervisor.email,
        "contact_phone": "",
        "question_weekday": Weekday.TUESDAY if number % 2 else Weekday.THURSDAY,
        "question_time": datetime.time(14, 0),
        "question_minutes": 30,
        "question_place": "Møterommet i 2. etasje",
    }


# From the programme's own write-up (shared/domain), as the demo's published write-up; the date is the demo
# gathering's, a Friday as in the write-up.
WRITE_UP_BACKGROUND = (
    "Fredag {date} arrangerte vi fellessamling for organisasjonene som skal ha studenter i internship. "
    "Av de deltakende organisasjonene var det tre som var med i forrige gjennomføring av internship, og fire "
    "som er med for første gang. Hensikten med samlingen var erfaringsutveksling, både praksisorganisasjonene "
    "seg imellom og mellom prosjektet og organisasjonene. I dette skrivet trekkes hovedpunktene fra "
    "diskusjonene frem."
)
WRITE_UP_MAIN_POINTS = [
    "Å ha studenter i internship er en læringsrik prosess, også for organisasjonen.",
    "Det er viktig med en forventnings- og rolleavklaring i forkant av oppstarten. Det er viktig å være tydelig "
    "fra organisasjonens side om forventningene man har til studentene.",
    "Internship skal være en vinn-vinn-situasjon og gi verdi både for student og organisasjon.",
    "Vær tydelig overfor studentene når de ikke leverer til forventning. Studentene er vant til å få konstruktive "
    "tilbakemeldinger gjennom studiet, og de tåler å bli utfordret.",
    "Nøkkelen til et vellykket internship er at studentene som kommer inn i organisasjonen, får kjenne på at de "
    "er en ressurs.",
    "Det er viktig med tett oppfølging av studenten fra organisasjonen.",
    "Det er viktig å vise studentene helheten av det å være i arbeidslivet.",
]
WRITE_UP_ONBOARDING = [
    "Avklare med studentene hva de ønsker å få ut av internship-stillingen.",
    "Studentene må få være med på hele spekteret av oppgaver i organisasjonen.",
    "Oppgavene må tilpasses hvem studentene er.",
    "Gjøre studentene trygge nok til at de tør å stille spørsmål om hvorfor organisasjonen gjør som den gjør.",
    "Det er viktig å avstemme med studentene underveis, for å justere på arbeidsmengden.",
    "Det kan være fint å sette av en fast tid i kalenderen der studenten vet at man kan komme og stille spørsmål.",
]
SHARED_EXPERIENCES = [
    ("expectations", "Vi skrev ned forventningene før oppstart. Da ble det lettere å si fra når noe ikke holdt mål."),
    ("resource", "Studentene blomstret da de fikk et eget ansvarsområde og kjente at de var en ressurs."),
    ("onboarding", "En fast spørretid hver tirsdag gjorde at studenten turte å spørre om det meste."),
]

NOTES = {
    "clarify": "Gikk gjennom studentens mål første dag; vi valgte budsjettprosjektet ut fra dem.",
    "question_time": "Fast spørretid lagt inn i begges kalender.",
    "range": "Har vært med på kundemøte, ledermøte og en dag i drift.",
}


def _noon(day: datetime.date) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(12)))


def monday_on_or_before(day: datetime.date) -> datetime.date:
    return day - datetime.timedelta(days=day.weekday())


def company_gathering_day(starts_on: datetime.date) -> datetime.date:
    """The Friday two weeks before a round starts; when that is still last year (or New Year's Day), the first
    Friday of the round instead, so that the gathering falls in the round's year."""
    friday = starts_on - datetime.timedelta(days=(starts_on.weekday() - 4) % 7 + 14)
    if friday > datetime.date(starts_on.year, 1, 1):
        return friday
    return starts_on + datetime.timedelta(days=(4 - starts_on.weekday()) % 7)


def round_name(starts_on: datetime.date) -> str:
    season = "våren" if starts_on.month <= 6 else "høsten"
    return f"Internship {season} {starts_on.year}"


def demo_student_email(number: int) -> str:
    return f"student{number:02d}@student.innopraksis.example"


class Command(BaseCommand):
    help = (
        "Create or update the demo data (the previous, current and next round, with their matching rounds) and "
        "print one demo login per role."
    )

    def add_arguments(self, parser):
        parser.add_argument("--quiet", action="store_true", help="Do not print the demo logins.")

    def handle(self, *args, quiet: bool = False, **options):
        # The demo's people are made up: nobody is e-mailed. The e-mails its steps write are kept as sent, so
        # that no worker sends them.
        with transaction.atomic():
            started = timezone.now()
            created = self._seed()
            Mail.objects.filter(status=MailStatus.QUEUED, created_at__gte=started).update(
                status=MailStatus.SENT, sent_at=timezone.now()
            )
            # The demo dates its approvals and ticks as they would have happened, after the services ran.
            CachedFigures.objects.clear(cohorts=Cohort.objects.values_list("pk", flat=True))
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
            coordinator, made = self._user(email, name, is_coordinator=True)
            created += made
            codes = self._second_factor(coordinator)
            if email == COORDINATORS[0][0]:
                self.recovery_codes = codes
        for org_number, name, sector, address, website, supervisors in ORGANISATIONS:
            organisation, _ = Organisation.objects.update_or_create(
                org_number=org_number,
                defaults={"name": name, "sector": sector, "address": address, "website": website},
            )
            for email, full_name, role in supervisors:
                user, was_created = self._user(email, full_name)
                created += was_created
                Membership.objects.update_or_create(user=user, organisation=organisation, defaults={"role": role})
        for number in [*range(1, 31), *NEXT_STUDENTS]:
            if number in NEXT_STUDENTS:
                first = NEXT_FIRST_NAMES[number - NEXT_STUDENTS.start]
                last = NEXT_LAST_NAMES[(number * 7) % len(NEXT_LAST_NAMES)]
            else:
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
        self._seed_mail()
        return created

    def _seed_mail(self) -> None:
        """One student gets reminders once a week, and one e-mail the mail server kept refusing waits on the
        coordinators' page of undelivered e-mail."""
        User.objects.filter(email=demo_student_email(3)).update(reminder_digest=ReminderDigest.WEEKLY)
        person = User.objects.get(email=demo_student_email(5))
        Mail.objects.update_or_create(
            key="demo-undelivered",
            defaults={
                "to": person.email,
                "template": "reminder",
                "subject": "Påminnelse fra InnoPraksis",
                "body": f"Hei {person.get_full_name()},\n\nDette er en påminnelse om det som har frist for deg.",
                "status": MailStatus.FAILED,
                "attempts": 5,
                "last_error": f"{person.email}: 550 5.1.1 Mailbox unavailable",
                "created_at": timezone.now() - datetime.timedelta(hours=3),
            },
        )

    def _cohort(self, starts_on: datetime.date) -> Cohort:
        ends_on = starts_on + datetime.timedelta(weeks=19, days=-3)  # a Friday, 19 weeks on
        cohort, _ = Cohort.objects.update_or_create(
            name=round_name(starts_on),
            defaults={"starts_on": starts_on, "ends_on": ends_on, "internship_courses": ", ".join(INTERNSHIP_COURSES)},
        )
        onboarding.cohort_add_default_template(cohort=cohort)
        return cohort

    def _current_start(self) -> datetime.date:
        """The current round's start: kept from an earlier run, else six weeks before today. Found by student 2,
        who takes part in no later matching round: publishing the next round in the demo places student 1
        there, and that round must not become the current one."""
        earlier = (
            Cohort.objects.filter(placements__student__user__email=demo_student_email(2))
            .order_by("-starts_on")
            .values_list("starts_on", flat=True)
            .first()
        )
        return earlier or monday_on_or_before(timezone.localdate() - datetime.timedelta(weeks=6))

    def _place(self, cohort: Cohort, student: Student, number: int, org_number: str, state, starts_on) -> None:
        organisation = Organisation.objects.get(org_number=org_number)
        placement, was_created = Placement.objects.update_or_create(
            cohort=cohort,
            student=student,
            defaults={
                "organisation": organisation,
                "starts_on": starts_on,
                "ends_on": cohort.ends_on,
                "work_days": [Weekday.TUESDAY, Weekday.THURSDAY],
            },
        )
        placement.supervisors.set(User.objects.filter(memberships__organisation=organisation))
        if not was_created:
            return
        # Walk the lifecycle the way the portal does, up to the demo state.
        if state == PlacementState.CANCELLED:
            placements.placement_cancel(placement=placement)
            return
        if state == PlacementState.PLANNED:
            return
        placements.placement_start_agreement(placement=placement)
        stage = AGREEMENT_STAGES.get(number, "approved") if state == PlacementState.AGREEMENT else "approved"
        self._agreement(placement, number, stage, AGREEMENT_HISTORY.get(number))
        if state == PlacementState.COMPLETED:
            lifecycle.placement_complete(placement=placement, today=cohort.ends_on + datetime.timedelta(1))

    def _agreement(self, placement: Placement, number: int, stage: str, history: str | None) -> None:
        """Fill in, sign and approve through the same functions the pages use, as far as ``stage``."""
        agreement = ExpectationAgreement.objects.get(placement=placement)
        student = placement.student.user
        supervisor = placement.supervisors.order_by("pk").first()
        coordinator = User.objects.get(email=COORDINATORS[0][0])
        answers = {
            Side.STUDENT: STUDENT_ANSWERS[number % len(STUDENT_ANSWERS)],
            Side.ORGANISATION: organisation_answers(placement.organisation, supervisor, number),
        }

        def fill(side: str, upto: int | None = None) -> None:
            person = student if side == Side.STUDENT else supervisor
            for step in agreement_steps.steps_for(side)[:upto]:
                agreements.agreement_save_step(
                    agreement=agreement,
                    side=side,
                    step=step,
                    values=answers[side],
                    base=agreement_steps.fingerprint(agreement_steps.values_of(agreement, step.fields)),
                    user=person,
                )
            if upto is None:
                agreements.agreement_complete_part(agreement=agreement, side=side, user=person)

        def sign(side: str) -> None:
            agreements.agreement_sign(
                agreement=agreement,
                side=side,
                user=student if side == Side.STUDENT else supervisor,
                read_fingerprint=agreement_steps.fingerprint(agreement_steps.values_of(agreement)),
            )

        if stage == "student_half":
            fill(Side.STUDENT, upto=3)
            return
        fill(Side.STUDENT)
        fill(Side.ORGANISATION)
        if stage == "returned":
            agreements.agreement_return(
                agreement=agreement,
                side=Side.ORGANISATION,
                comment="Beskriv oppgavene mer konkret, og tilpass dem det studenten skriver om egne mål.",
                user=coordinator,
            )
            return
        if history == "paper":
            agreements.agreement_record_paper(agreement=agreement, user=coordinator)
        else:
            sign(Side.STUDENT)
            if stage == "student_signed":
                return
            sign(Side.ORGANISATION)
        if history == "changed_after_signing":
            # The supervisor adjusted the tasks after both had signed: both signed again.
            tasks = agreement_steps.get_step(Side.ORGANISATION, "tasks")
            agreements.agreement_save_step(
                agreement=agreement,
                side=Side.ORGANISATION,
                step=tasks,
                values={"org_tasks": answers[Side.ORGANISATION]["org_tasks"] + " Også deltakelse i årsoppgjøret."},
                base=agreement_steps.fingerprint(agreement_steps.values_of(agreement, tasks.fields)),
                user=supervisor,
            )
            sign(Side.STUDENT)
            sign(Side.ORGANISATION)
        if stage == "signed":
            return
        lifecycle.agreement_approve_and_start(
            agreement=agreement, user=coordinator, today=max(placement.starts_on, timezone.localdate())
        )
        # The demo is built in one go; date the approval as it would have happened, mostly in good time.
        approved_on = placement.starts_on + datetime.timedelta(days=3 if number % 5 == 0 else -20)
        agreement.refresh_from_db()
        signed_on, finished_on = approved_on - datetime.timedelta(days=2), approved_on - datetime.timedelta(days=6)
        ExpectationAgreement.objects.filter(pk=agreement.pk).update(
            approved_at=_noon(approved_on),
            student_signed_at=_noon(signed_on) if agreement.student_signed_at else None,
            org_signed_at=_noon(signed_on) if agreement.org_signed_at else None,
            student_completed_at=_noon(finished_on),
            org_completed_at=_noon(finished_on),
        )
        self._onboarding(placement, number, student, supervisor)
        self._follow_up(placement, number, student, supervisor)

    def _follow_up(self, placement: Placement, number: int, student: User, supervisor: User) -> None:
        """Check-ins answered so far, mostly well, some worrying; follow-ups; evaluations that are due."""
        today = timezone.localdate()
        placement.refresh_from_db()
        past = placement.ends_on < today
        due = list(CheckIn.objects.filter(placement=placement, due_on__lte=today).order_by("due_on"))
        for index, checkin in enumerate(due):
            latest = index == len(due) - 1
            if not past and number == 10 and index >= 1:
                continue  # falling behind: nobody has answered since the first check-in
            answers = {"workload": 3, "resource": 4, "learning": 4, "safe_to_ask": YesPartlyNo.YES}
            answers |= {"goes_well": "Godt samarbeid i teamet.", "to_adjust": ""}
            delivery = Delivery.MEETS if index % 3 else Delivery.ABOVE
            adjustment = ""
            note = ""
            if not past and latest and number == 4:
                answers |= {"workload": 5, "to_adjust": "For mange oppgaver samtidig."}
                note = "Jeg tør ikke si fra om at det er for mye, de virker så travle."
                adjustment = "Vi tar bort rapporteringsoppgaven resten av måneden."
            if not past and latest and number == 6:
                answers |= {"resource": 2, "to_adjust": "Får mest kopieringsoppgaver."}
            if not past and latest and number == 13:
                answers |= {"workload": 1, "to_adjust": "Har lite å gjøre."}
            if not past and number == 8 and index >= len(due) - 2:
                delivery = Delivery.BELOW
            checkins.checkin_answer_student(checkin=checkin, user=student, answers=answers, note=note)
            if not past and number == 12:
                continue  # the supervisor never answers: no follow-up flag
            supervisor_answers = {
                "delivery": delivery,
                "feedback_given": "Gode analyser; jobb med å presentere kortere.",
                "workload_adjustment": adjustment,
            }
            checkins.checkin_answer_supervisor(checkin=checkin, user=supervisor, answers=supervisor_answers)
        if number != 12:
            happened_on = min(placement.ends_on, today - datetime.timedelta(days=5 + number % 7))
            if not FollowUp.objects.filter(placement=placement, happened_on=happened_on).exists():
                checkins.followup_log(
                    placement=placement,
                    user=supervisor,
                    kind=FollowUpKind.MEETING,
                    happened_on=happened_on,
                    note="Statusmøte: gikk gjennom oppgavene og arbeidsmengden.",
                    shared_with_student=number % 2 == 0,
                )
        for evaluation in Evaluation.objects.filter(placement=placement, due_on__lt=today):
            answers = {
                "value": 4,
                "win_win": YesPartlyNo.YES,
                "worked": "Tydelige forventninger fra start.",
                "change": "",
                "host_again": YesMaybeNo.YES if evaluation.side == Side.ORGANISATION else "",
            }
            checkins.evaluation_answer(
                evaluation=evaluation,
                user=student if evaluation.side == Side.STUDENT else supervisor,
                answers=answers,
                today=placement.starts_on,  # the demo completes the previous round itself
            )

    def _onboarding(self, placement: Placement, number: int, student: User, supervisor: User) -> None:
        """Checklists at different stages: all due items done, some done, or falling behind."""
        stage = "finished" if placement.ends_on < timezone.localdate() else ("all", "some", "behind")[number % 3]
        due = placement.onboarding_items.filter(due_on__lte=timezone.localdate()).order_by("due_on", "position")
        items = list(due)
        chosen = {"finished": items, "all": items, "some": items[::2], "behind": items[:1]}[stage]
        for item in chosen:
            person = student if item.owner == "student" else supervisor
            note = NOTES.get(item.practice, "") if number % 2 else ""
            onboarding.onboarding_item_update(item=item, user=person, done=True, note=note)
            late = datetime.timedelta(days=4 if (number + item.position) % 4 == 0 else 0)
            OnboardingItem.objects.filter(pk=item.pk).update(done_at=_noon(item.due_on + late))

    def _seed_placements(self) -> int:
        """The previous round: the three returning organisations' alumni. The current round: all thirty students."""
        created = 0
        current_start = self._current_start()
        previous = self._cohort(monday_on_or_before(current_start - datetime.timedelta(days=364)))
        for number in range(1, 7):
            user, was_created = self._user(f"alumni{number:02d}@student.innopraksis.example", f"Alumni {number}")
            created += was_created
            student, _ = Student.objects.get_or_create(user=user, defaults={"study_programme": STUDY_PROGRAMME})
            org_number = ORGANISATIONS[(number - 1) % 3][0]
            self._place(previous, student, number, org_number, PlacementState.COMPLETED, previous.starts_on)
        current = self._cohort(current_start)
        for number in range(1, 31):
            student = Student.objects.get(user__email=demo_student_email(number))
            org_number = ORGANISATIONS[(number - 1) % len(ORGANISATIONS)][0]
            starts_on = current.starts_on
            if number in LATE_STARTERS:
                starts_on = current.starts_on + datetime.timedelta(weeks=9)  # three weeks after the first seeding
            self._place(current, student, number, org_number, STATES_NOW.get(number, PlacementState.ACTIVE), starts_on)
        self._gatherings(current)
        self._conversations(current)
        self._published_round(current)
        self._next_round(self._cohort(current.starts_on + NEXT_ROUND_AFTER))
        return created

    def _conversations(self, current: Cohort) -> None:
        """Private conversations with the coordinators: student 4's note from a check-in, answered; student 9
        writes on her own, and nobody has read it yet."""
        coordinator = User.objects.get(email=COORDINATORS[0][0])
        placements = {
            placement.student.user.email: placement
            for placement in Placement.objects.filter(cohort=current).select_related("student__user", "organisation")
        }
        answered = placements[demo_student_email(4)]
        if not answered.messages.filter(from_student=False).exists() and answered.messages.exists():
            conversation.message_write(
                placement=answered,
                user=coordinator,
                text="Takk for at du sier fra. Jeg ringer deg i morgen, så finner vi ut av det sammen "
                "før noe tas opp med organisasjonen.",
            )
        unread = placements[demo_student_email(9)]
        if not unread.messages.exists():
            conversation.message_write(
                placement=unread,
                user=unread.student.user,
                text="Jeg lurer på om jeg kan bytte til en annen avdeling etter jul. Kan vi snakke om det?",
            )

    def _gatherings(self, current: Cohort) -> None:
        """The company gathering on a Friday before the round starts, in the round's year, with its published
        write-up; the final presentations still ahead."""
        coordinator = User.objects.get(email=COORDINATORS[0][0])
        held_on = company_gathering_day(current.starts_on)
        with translation.override("nb"):
            day = date_format(held_on, "j. F")
        organisations = Organisation.objects.filter(org_number__in=[row[0] for row in ORGANISATIONS])
        company, created = Gathering.objects.get_or_create(
            cohort=current,
            kind=GatheringKind.COMPANY_GATHERING,
            defaults={
                "held_on": held_on,
                "starts_at": datetime.time(10, 0),
                "ends_at": datetime.time(14, 0),
                "place": "Handelshøgskolen, møterom Fjorden",
                "agenda": "Velkommen\nErfaringsutveksling: organisasjonene som var med i forrige runde\n"
                "Onboarding: hva gjør vi når studentene kommer?\nLunsj",
                "created_by": coordinator,
            },
        )
        if created:
            for organisation in organisations:
                GatheringOrganisation.objects.create(gathering=company, organisation=organisation, attended=True)
            for (org_number, *_rest), (theme, text) in zip(ORGANISATIONS[:3], SHARED_EXPERIENCES, strict=False):
                organisation = Organisation.objects.get(org_number=org_number)
                Experience.objects.create(
                    gathering=company,
                    organisation=organisation,
                    author=User.objects.filter(memberships__organisation=organisation).first(),
                    theme=theme,
                    text=text,
                )
            report = ExperienceReport.objects.create(
                gathering=company,
                title=f"Erfaringsskriv – bedriftssamling {day}",
                background=WRITE_UP_BACKGROUND.format(date=day),
                main_points="\n".join(WRITE_UP_MAIN_POINTS),
                onboarding_advice="\n".join(WRITE_UP_ONBOARDING),
            )
            gatherings.report_publish(report=report, user=coordinator)
        Gathering.objects.get_or_create(
            cohort=current,
            kind=GatheringKind.FINAL_PRESENTATIONS,
            defaults={
                "held_on": current.ends_on - datetime.timedelta(days=7),
                "starts_at": datetime.time(12, 0),
                "ends_at": datetime.time(16, 0),
                "place": "Handelshøgskolen, auditorium 1",
                "agenda": "Studentenes muntlige presentasjoner for medstudenter og organisasjonene",
                "created_by": coordinator,
            },
        )

    # Matching rounds. Each is built once, when its cohort has none: a second seeding leaves it, and whatever
    # was done with it in the demo since (runs, pins, a publication), as it is.

    def _participate(self, matching_round: MatchingRound, places: dict[int, int], days=None) -> dict:
        """The organisations in ``places`` (a position in ORGANISATIONS: its number of places) take part, as
        ROUND_PARTICIPATION describes them; ``days`` replaces the days they usually offer."""
        participants = {}
        for position, capacity in places.items():
            _places, usual_days, place, tasks = ROUND_PARTICIPATION[position]
            participants[position] = RoundOrganisation.objects.create(
                round=matching_round,
                organisation=Organisation.objects.get(org_number=ORGANISATIONS[position][0]),
                capacity=capacity,
                tasks=tasks,
                days=days or usual_days,
                place=place,
            )
        return participants

    def _rank(self, applicant: Applicant, choices, participants: dict, day: datetime.date, number: int) -> None:
        rounds.ranking_save(
            applicant=applicant,
            choices=[
                (participants[position], MOTIVATIONS[position][(number + rank) % len(MOTIVATIONS[position])])
                for rank, position in enumerate(choices)
            ],
            today=day,
        )
        # Saved during the students' period, in the afternoon or evening.
        saved_at = timezone.make_aware(datetime.datetime.combine(day, datetime.time(14 + number % 8, number % 60)))
        Applicant.objects.filter(pk=applicant.pk).update(saved_at=saved_at)

    def _published_round(self, current: Cohort) -> None:
        """The matching round the current round's placements came from, published before the round started.

        The placements were made above, walked through their lifecycle, so the run is made to give exactly
        them: every organisation has as many places as it got students, each student ranked their
        organisation first or (GOT_SECOND_CHOICE) second after one that ranked its own students higher, and
        every organisation ranked its own students first. The round is then marked published by hand instead
        of through ``rounds.run_publish``: that skips only students with a live placement, so it would give
        the student whose placement was cancelled since a second one, and it would e-mail everyone about a
        round long past.
        """
        if MatchingRound.objects.filter(cohort=current).exists():
            return
        coordinator = User.objects.get(email=COORDINATORS[0][0])
        opens_on = current.starts_on - datetime.timedelta(weeks=10)
        matching_round = MatchingRound(
            cohort=current,
            opens_on=opens_on,
            students_until=opens_on + datetime.timedelta(days=13),
            organisations_until=opens_on + datetime.timedelta(days=20),
            created_by=coordinator,
        )
        matching_round.full_clean()
        matching_round.save()
        count = len(ORGANISATIONS)
        positions = {row[0]: position for position, row in enumerate(ORGANISATIONS)}
        numbers = {demo_student_email(number): number for number in range(1, 31)}
        placed: dict[int, Placement] = {}
        for placement in (
            Placement.objects.filter(cohort=current, student__user__email__in=numbers)
            .select_related("student__user", "organisation")
            .order_by("pk")
        ):
            placed.setdefault(numbers[placement.student.user.email], placement)  # the one made above, the first
        at = {number: positions[placement.organisation.org_number] for number, placement in placed.items()}
        places = {position: list(at.values()).count(position) for position in sorted(set(at.values()))}
        # The days the organisations stated are the placements' work days.
        participants = self._participate(matching_round, places, days=[Weekday.TUESDAY, Weekday.THURSDAY])
        for number, placement in placed.items():
            position = at[number]
            choices = [(position + 2) % count, position] if number in GOT_SECOND_CHOICE else [position]
            if number % 3 == 0:
                choices.append(next(p % count for p in (position + 4, position + 5) if p % count not in choices))
            applicant = Applicant.objects.create(round=matching_round, student=placement.student)
            self._rank(applicant, choices, participants, opens_on + datetime.timedelta(days=number % 13), number)
        ranked_on = matching_round.students_until + datetime.timedelta(days=3)
        for participant in participants.values():
            mine = {p.student_id for p in placed.values() if p.organisation_id == participant.organisation_id}
            # Its own students first, the others after them.
            order = sorted(
                rounds.applicants_of(participant),
                key=lambda applicant, mine=mine: (applicant.student_id not in mine, applicant.pk),
            )
            rounds.applicants_rank(
                participant=participant,
                marks={applicant.pk: (rank, False) for rank, applicant in enumerate(order, start=1)},
                today=ranked_on,
            )
        run = rounds.run_make(matching_round=matching_round, user=coordinator, seed=current.starts_on.toordinal())
        expected = {placement.student_id: placement.organisation_id for placement in placed.values()}
        if rounds.run_placed(run) != expected:
            raise CommandError("The demo's published matching round does not give the current round's placements.")
        run_on = matching_round.organisations_until + datetime.timedelta(days=1)
        MatchRun.objects.filter(pk=run.pk).update(made_at=_noon(run_on))
        RoundOrganisation.objects.filter(round=matching_round).update(ranked_at=_noon(ranked_on))
        MatchingRound.objects.filter(pk=matching_round.pk).update(
            created_at=_noon(opens_on - datetime.timedelta(days=1)),
            published_run=run,
            published_at=_noon(run_on) + datetime.timedelta(hours=2),
        )

    def _next_round(self, cohort: Cohort) -> None:
        """The next round's matching round, ready to run: the students' ranking closed a few days ago, and the
        organisations rank the students who chose them for a few days more. Not run yet."""
        if MatchingRound.objects.filter(cohort=cohort).exists():
            return
        coordinator = User.objects.get(email=COORDINATORS[0][0])
        today = timezone.localdate()
        matching_round = MatchingRound(
            cohort=cohort,
            opens_on=today - datetime.timedelta(days=24),
            students_until=today - datetime.timedelta(days=3),
            organisations_until=today + datetime.timedelta(days=4),
            created_by=coordinator,
        )
        matching_round.full_clean()
        matching_round.save()
        MatchingRound.objects.filter(pk=matching_round.pk).update(
            created_at=_noon(matching_round.opens_on - datetime.timedelta(days=1))
        )
        participants = self._participate(
            matching_round, {position: row[0] for position, row in ROUND_PARTICIPATION.items()}
        )
        # The main demo student joins only while they have no placement in the cohort (publishing the round
        # in the demo would give them one).
        live = Placement.objects.filter(cohort=cohort).exclude(state=PlacementState.CANCELLED)
        numbers = [
            number
            for number in NEXT_ROUND_CHOICES
            if number in NEXT_STUDENTS or not live.filter(student__user__email=demo_student_email(number)).exists()
        ]
        applicants = {}
        span = (matching_round.students_until - matching_round.opens_on).days + 1
        for number in numbers:
            student = Student.objects.get(user__email=demo_student_email(number))
            applicants[number] = Applicant.objects.create(round=matching_round, student=student)
            day = matching_round.opens_on + datetime.timedelta(days=(number * 5) % span)
            self._rank(applicants[number], NEXT_ROUND_CHOICES[number], participants, day, number)
        for position, how_many in NEXT_ROUND_RANKED.items():
            participant = participants[position]
            order = list(rounds.applicants_of(participant))
            order = order[position:] + order[:position]  # not simply by name
            unsuitable = applicants[NOT_SUITABLE[1]].pk if NOT_SUITABLE[0] == position else None
            order = [applicant for applicant in order if applicant.pk != unsuitable][:how_many]
            marks = {applicant.pk: (rank, False) for rank, applicant in enumerate(order, start=1)}
            if unsuitable:
                marks[unsuitable] = (None, True)
            rounds.applicants_rank(participant=participant, marks=marks, today=today)
        for (number, position), kind in [(NEXT_ROUND_PIN, PairingKind.PIN), (NEXT_ROUND_FORBID, PairingKind.FORBID)]:
            rounds.pairing_add(
                applicant=applicants[number], participant=participants[position], kind=kind, user=coordinator
            )

    def _second_factor(self, coordinator: User) -> list[str]:
        """The demo key in an authenticator app, and recovery codes; returns the codes not used yet. A second
        factor someone added to the demo (a passkey) is kept."""
        if not Authenticator.objects.filter(user=coordinator, type=Authenticator.Type.TOTP).exists():
            TOTP.activate(coordinator, DEMO_TOTP_SECRET)
        return RecoveryCodes.activate(coordinator).get_unused_codes()

    def _print_logins(self, created: int) -> None:
        rows = [
            ("Koordinator / coordinator", COORDINATORS[0][0]),
            ("Veileder / supervisor", ORGANISATIONS[0][5][0][0]),
            ("Student", demo_student_email(1)),
            ("Student i matchingen / matching", demo_student_email(NEXT_STUDENTS.start)),
            ("Koordinator og veileder / both", COORDINATORS[1][0]),
        ]
        self.stdout.write(self.style.SUCCESS(f"Demo data ready ({created} new users)."))
        self.stdout.write(f"Demo logins (password for all: {DEMO_PASSWORD}):")
        for label, email in rows:
            self.stdout.write(f"  {label:<32} {email}")
        self.stdout.write(
            "Coordinators give a second factor after the password: a code from an authenticator app with the key "
            f"{DEMO_TOTP_SECRET}, or, for {COORDINATORS[0][0]}, one of the recovery codes "
            f"{', '.join(self.recovery_codes[:3])} (each works once; make new ones under two-factor authentication "
            "on the profile)."
        )
