"""Words that ``generate_practices`` builds synthetic practices from.

Each topic is one policy area of the paper, with the themes, target groups, stages and GCM
objectives that go with it, so a generated practice is coherent (a remittances practice is about
transnational families and GCM objective 20). Topic phrases are chosen so full-text search has
realistic selectivity: "unaccompanied" occurs in a few per cent of practices, "children" in about
a third, "family" in more. The module name starts with an underscore so Django does not list it
as a command.
"""

from dataclasses import dataclass


@dataclass(frozen=True)
class Topic:
    weight: int
    phrases: tuple[str, ...]  # what the practice is about, as a title would say it
    themes: tuple[str, ...]
    groups: tuple[str, ...]
    stages: tuple[str, ...]
    gcm: tuple[int, ...]
    sentences: tuple[str, ...]
    # (label, unit, lowest, highest): the figures a practice of this kind reports.
    metrics: tuple[tuple[str, str, int, int], ...]


TOPICS = (
    Topic(
        12,
        ("family reunification", "reunification of migrant families", "family reunion visas"),
        ("family-reunification",),
        ("migrant-families", "migrant-workers", "migrant-children"),
        ("destination", "pre-departure"),
        (5, 16),
        (
            "Spouses and children of migrant workers receive advice on the documents needed "
            "to join them.",
            "Support offices help families through each step of the reunification procedure.",
            "Waiting times for family reunification applications were reduced.",
            "Reunited families are referred to housing, schooling and language courses.",
        ),
        (
            ("Family reunification applications supported", "applications", 200, 15000),
            ("Families reunited", "families", 50, 8000),
            ("Average processing time", "days", 20, 240),
        ),
    ),
    Topic(
        10,
        ("remittances", "productive use of remittances", "lower-cost remittance transfers"),
        ("transnational-families",),
        ("families-left-behind", "diaspora", "migrant-workers"),
        ("destination", "return"),
        (20, 19),
        (
            "Households receiving remittances learn to save and invest in small businesses.",
            "Transfer costs were compared and published so families choose cheaper channels.",
            "Matching funds multiply collective remittances for community projects.",
            "Financial literacy sessions reach both migrants and the relatives they support.",
        ),
        (
            ("Remittances channelled", "USD", 50000, 90000000),
            ("Households trained in financial literacy", "households", 100, 20000),
            ("Average transfer cost", "percent", 2, 12),
        ),
    ),
    Topic(
        6,
        (
            "protection of unaccompanied children",
            "care for unaccompanied and separated children",
            "safe return of unaccompanied minors",
        ),
        ("children",),
        ("unaccompanied-children", "migrant-children"),
        ("transit", "return"),
        (7, 12, 21),
        (
            "Unaccompanied migrant children are received in shelters and assigned a guardian.",
            "Child protection officers accompany unaccompanied minors during repatriation.",
            "Best-interest assessments are carried out before any return decision.",
            "Families are traced so that separated children can be reunited safely.",
        ),
        (
            ("Unaccompanied children assisted", "children", 100, 20000),
            ("Child protection officers trained", "officers", 10, 600),
            ("Transit shelters for migrant minors", "shelters", 2, 60),
        ),
    ),
    Topic(
        7,
        (
            "children left behind",
            "support for children of migrant workers",
            "schooling of children left behind",
        ),
        ("children", "transnational-families"),
        ("children-left-behind", "families-left-behind"),
        ("destination",),
        (7, 15),
        (
            "Children whose parents work abroad receive scholarships and tutoring.",
            "Caregivers of children left behind join counselling and parenting sessions.",
            "Schools monitor the wellbeing of pupils whose parents have migrated.",
            "Parents abroad keep in touch with their children through video calls at "
            "community centres.",
        ),
        (
            ("Scholarships granted to children of migrant workers", "scholarships", 20, 5000),
            ("Caregivers counselled", "people", 50, 9000),
        ),
    ),
    Topic(
        8,
        (
            "rights of domestic workers",
            "standard contracts for domestic workers",
            "protection of migrant household workers",
        ),
        ("gender",),
        ("domestic-workers", "women-migrants"),
        ("pre-departure", "destination"),
        (6, 7),
        (
            "A standard employment contract sets wages, rest days and the right to keep "
            "one's passport.",
            "Domestic workers can call a hotline in their own language.",
            "Recruitment agencies placing domestic workers are licensed and inspected.",
            "Employers receive guidance on the rights of live-in household workers.",
        ),
        (
            ("Domestic workers registered", "workers", 200, 40000),
            ("Complaints resolved", "complaints", 10, 3000),
            ("Minimum monthly wage set by the contract", "USD", 150, 700),
        ),
    ),
    Topic(
        9,
        (
            "migrant health",
            "access to health care for migrants",
            "health screening before departure",
        ),
        ("health",),
        ("migrant-workers", "transit-migrants", "migrant-families"),
        ("pre-departure", "transit", "destination"),
        (15, 22),
        (
            "Mobile clinics offer primary health care to migrants regardless of status.",
            "Health workers are trained in culturally sensitive care.",
            "Migrants receive a health card recognised in the country of destination.",
            "Consulates refer migrants to community health centres.",
        ),
        (
            ("Consultations provided", "consultations", 500, 250000),
            ("Health workers trained", "health workers", 10, 2000),
            ("Migrants covered by health insurance", "people", 100, 500000),
        ),
    ),
    Topic(
        6,
        (
            "trafficking in human beings",
            "assistance to victims of trafficking",
            "prevention of trafficking",
        ),
        ("gender", "children"),
        ("trafficking-victims", "women-migrants"),
        ("transit", "destination", "return"),
        (10, 9),
        (
            "Victims of trafficking are offered shelter, legal aid and a reflection period.",
            "Border officials learn to identify presumed victims of trafficking.",
            "A national referral mechanism links police, prosecutors and NGOs.",
            "Awareness campaigns warn young women about false job offers abroad.",
        ),
        (
            ("Presumed victims of trafficking identified", "people", 5, 2500),
            ("Officials trained to identify victims", "officials", 20, 4000),
        ),
    ),
    Topic(
        6,
        (
            "reintegration of returning migrants",
            "return and reintegration",
            "reintegration support",
        ),
        ("transnational-families",),
        ("returning-migrants", "migrant-entrepreneurs"),
        ("return",),
        (21,),
        (
            "Returning migrants receive counselling, job placement and business training.",
            "Skills acquired abroad are certified on return.",
            "Reintegration grants help returnees start a small business.",
        ),
        (
            ("Returnees assisted", "people", 50, 30000),
            ("Reintegration grants awarded", "grants", 10, 5000),
        ),
    ),
    Topic(
        5,
        (
            "pre-departure orientation",
            "information before departure",
            "orientation seminars for departing workers",
        ),
        ("gender", "transnational-families"),
        ("migrant-workers", "women-migrants"),
        ("pre-departure",),
        (3,),
        (
            "Departing workers attend a seminar on their rights, contracts and the culture of "
            "the destination.",
            "Orientation includes modules on health, remittances and keeping in touch with family.",
            "A handbook in plain language is handed to every departing worker.",
        ),
        (
            ("Departing workers oriented", "workers", 1000, 300000),
            ("Seminar duration", "hours", 4, 40),
        ),
    ),
    Topic(
        5,
        (
            "violence against women migrants",
            "support for survivors of gender-based violence",
            "protection from abuse",
        ),
        ("gender",),
        ("violence-survivors", "women-migrants"),
        ("destination",),
        (7, 17),
        (
            "Women migrants who suffer violence can reach a 24-hour helpline.",
            "Shelters accept survivors of violence whatever their residence status.",
            "Police and social workers follow a common protocol for migrant survivors.",
        ),
        (
            ("Survivors of violence assisted", "women", 20, 6000),
            ("Helpline calls answered", "calls", 100, 50000),
        ),
    ),
    Topic(
        5,
        (
            "schooling and language learning of migrant children",
            "integration of migrant pupils",
            "second-generation youth",
        ),
        ("children", "family-reunification"),
        ("migrant-children", "migrant-families"),
        ("destination",),
        (15, 16),
        (
            "Migrant pupils receive extra language classes and mentoring.",
            "Teachers are trained to work with children of immigrants.",
            "Youth centres run sports, arts and homework clubs in neighbourhoods with many "
            "immigrants.",
        ),
        (
            ("Pupils enrolled", "pupils", 50, 80000),
            ("Teachers trained", "teachers", 10, 3000),
        ),
    ),
    Topic(
        4,
        (
            "consular protection",
            "consular assistance to nationals abroad",
            "welfare officers at embassies",
        ),
        ("transnational-families",),
        ("migrant-workers", "migrant-families"),
        ("destination",),
        (14,),
        (
            "Welfare attachés at embassies handle complaints from workers and their families.",
            "Mobile consulates visit regions where many nationals live.",
            "Gender focal points at consulates attend to women migrants.",
        ),
        (("Nationals assisted by consulates", "people", 100, 200000),),
    ),
    Topic(
        3,
        (
            "frontier workers",
            "cross-border mobility of border residents",
            "border-area work permits",
        ),
        ("family-reunification",),
        ("frontier-workers", "border-residents"),
        ("transit",),
        (5, 11),
        (
            "Border residents receive a card allowing visits of up to three days.",
            "Frontier workers and their families may work in the border states with a permit.",
        ),
        (
            ("Border cards issued", "cards", 500, 100000),
            ("Frontier worker permits issued", "permits", 200, 60000),
        ),
    ),
    Topic(
        4,
        (
            "economic empowerment of women migrants",
            "women's entrepreneurship",
            "savings groups for migrant women",
        ),
        ("gender",),
        ("migrant-entrepreneurs", "women-migrants", "families-left-behind"),
        ("return", "destination"),
        (19, 20),
        (
            "Women migrants and the wives of migrants form savings and credit groups.",
            "Business plans are prepared with families who receive remittances.",
            "Microcredit is offered to returning women migrants.",
        ),
        (
            ("Women entrepreneurs supported", "women", 20, 5000),
            ("Business plans prepared", "business plans", 5, 800),
        ),
    ),
    Topic(
        3,
        ("maternal and reproductive health", "sexual and reproductive health of migrant women"),
        ("health", "gender"),
        ("women-migrants",),
        ("destination", "transit"),
        (15,),
        (
            "Pregnant migrant women receive antenatal care free of charge.",
            "Midwives and cultural mediators work together in maternity wards.",
        ),
        (("Pregnant migrant women followed", "women", 20, 12000),),
    ),
    Topic(
        3,
        ("HIV prevention among mobile populations", "HIV and AIDS services for migrants"),
        ("health",),
        ("transit-migrants", "migrant-workers"),
        ("transit", "pre-departure"),
        (15,),
        (
            "Peer educators distribute information on HIV at truck stops and border posts.",
            "Voluntary testing and counselling are offered along the migration route.",
        ),
        (("People tested for HIV", "people", 100, 90000),),
    ),
    Topic(
        3,
        (
            "youth employment as an alternative to irregular migration",
            "opportunities for young people at risk",
        ),
        ("children",),
        ("youth-at-risk",),
        ("pre-departure",),
        (2, 3),
        (
            "Young people between 15 and 29 years of age receive vocational training and a "
            "first job.",
            "Local employers offer apprenticeships to youths at risk of irregular migration.",
        ),
        (("Young people trained", "young people", 50, 12000),),
    ),
    Topic(
        3,
        (
            "sex-disaggregated migration data",
            "research on gender and migration",
            "data on migrant families",
        ),
        ("gender",),
        ("officials",),
        ("pre-departure", "destination", "return"),
        (1,),
        (
            "Surveys record migration by sex, age and family situation.",
            "A research network publishes annual reports on gender and migration.",
        ),
        (("Households surveyed", "households", 500, 60000),),
    ),
    Topic(
        3,
        ("diaspora engagement", "hometown associations", "diaspora investment"),
        ("transnational-families",),
        ("diaspora",),
        ("destination", "return"),
        (19,),
        (
            "Diaspora associations co-finance schools and clinics in their home towns.",
            "A diaspora ministry keeps a register of professionals abroad.",
        ),
        (("Diaspora associations registered", "associations", 5, 900),),
    ),
    Topic(
        2,
        ("portability of social security", "pension rights of migrant workers"),
        ("transnational-families", "health"),
        ("migrant-workers",),
        ("destination", "return"),
        (22,),
        (
            "A bilateral social security agreement lets workers carry their pension rights home.",
            "Families of migrant workers keep their health coverage while the worker is abroad.",
        ),
        (("Workers covered by the agreement", "workers", 1000, 400000),),
    ),
    Topic(
        3,
        ("fair recruitment", "ethical recruitment of migrant workers"),
        ("gender",),
        ("migrant-workers", "domestic-workers"),
        ("pre-departure",),
        (6,),
        (
            "Recruitment fees charged to workers are banned.",
            "A public register lists licensed recruitment agencies and their sanctions.",
        ),
        (("Recruitment agencies inspected", "agencies", 5, 1500),),
    ),
    Topic(
        2,
        ("alternatives to detention for families", "community-based care for migrant families"),
        ("children", "family-reunification"),
        ("migrant-families", "migrant-children"),
        ("transit", "destination"),
        (13,),
        (
            "Families with children are placed in community housing instead of detention.",
            "Case managers accompany families through their immigration procedure.",
        ),
        (("Families placed in community housing", "families", 10, 3000),),
    ),
    Topic(
        2,
        ("migration in the face of drought", "climate-related displacement of families"),
        ("transnational-families",),
        ("families-left-behind", "migrant-families"),
        ("pre-departure",),
        (2,),
        (
            "Families in drought-affected areas receive support to stay or to move safely.",
            "Seasonal work schemes give farming households an income in bad harvest years.",
        ),
        (("Households supported", "households", 100, 40000),),
    ),
)

# How a title names what the practice is, by kind ("{topic}" is a topic phrase).
TITLE_PATTERNS = {
    "programme": ("Programme on {topic}", "Pilot project on {topic}", "{Topic} programme"),
    "policy": ("National plan for {topic}", "Strategy on {topic}", "{Topic} policy"),
    "law": ("Law on {topic}", "Regulation on {topic}", "Decree on {topic}"),
    "service": ("Centres for {topic}", "{Topic} service", "One-stop office for {topic}"),
    "agreement": ("Memorandum of understanding on {topic}", "Bilateral agreement on {topic}"),
    "network": ("Network on {topic}", "Regional dialogue on {topic}", "{Topic} coalition"),
    "tool": ("Guidelines on {topic}", "Handbook on {topic}", "Standards for {topic}"),
    "research": ("Study on {topic}", "Survey of {topic}", "Mapping of {topic}"),
}

# Openings that read well before any topic phrase ("Addresses trafficking in human beings").
SUMMARY_OPENINGS = (
    "Addresses",
    "Works on",
    "Focuses on",
    "Tackles",
    "Takes action on",
    "Brings partners together on",
    "Sets out measures on",
    "Improves the response to",
)

# Sentences any practice may use; {country}, {org}, {year} and {count} are filled in.
GENERIC_SENTENCES = (
    "It is run by {org} with local partners in {country}.",
    "The work started in {year} and has been extended several times since.",
    "An evaluation recommended scaling it up to other regions.",
    "Civil society organisations take part in planning and monitoring.",
    "Staff in {count} municipalities were trained to apply the new procedures.",
    "Funding comes from the national budget and international donors.",
    "Information is available in several languages, including in sign language.",
    "A steering committee meets twice a year to review progress.",
    "Migrants' own associations helped design the services.",
    "Results are published in an annual report.",
    "The approach was presented at the Global Forum on Migration and Development.",
    "Local authorities in {country} provide premises and volunteers.",
    "The initiative pays particular attention to the needs of women and girls.",
    "Trade unions and employers' organisations are consulted.",
    "A toll-free number answers questions from migrants and their families.",
    "The practice has been replicated in {count} other provinces.",
)

# A small share of practices carry one of these, so searches meet accented words
# (niñez, sequía, Côte d'Ivoire, ...) as the real base will when French and Spanish come.
ACCENTED_SENTENCES = (
    "Outreach in Spanish speaks of protección de la niñez migrante.",
    "Households hit by the sequía in the dry corridor are a priority.",
    "A sister project works with returnees in Côte d'Ivoire.",
    "Materials in French are addressed to familles séparées par la migration.",
    "Partners in São Paulo share their experience of reunificação familiar.",
    "The Spanish name of the scheme is Programa de atención a niñas, niños y adolescentes.",
    "Mediators speak Türkçe, Español and Français.",
    "Workshops took place in Réunion and in Curaçao.",
)

EVALUATION_SUMMARIES = (
    "An external evaluation found that most participants used the services more than once.",
    "A mid-term review reported good reach but uneven quality between regions.",
    "The evaluation noted better access to services and recommended longer funding.",
    "Beneficiaries reported higher incomes and better contact with their families.",
    "The independent evaluation found the approach cost-effective and transferable.",
)

COVERAGE_BY_REGION = {
    "Africa": "Member states of the African Union",
    "Americas": "Countries of the Regional Conference on Migration",
    "Asia": "Colombo Process member states",
    "Europe": "European Union member states",
    "Oceania": "Pacific Islands Forum members",
}

COMPARISON_NOTES = (
    "",
    "",
    "",
    "Compared with the previous year",
    "Cumulative since the start",
    "As reported by the implementing agency",
    "Target for the current phase",
)

# Who evaluated a synthetic practice, by method ({org} is its lead organisation): its own
# staff review it; independent evaluators, researchers and auditors do the rest.
EVALUATORS = {
    "internal_review": ("Monitoring and evaluation unit of {org}", "{org} programme staff"),
    "independent_evaluation": ("External evaluation team", "Independent consultants"),
    "impact_evaluation": ("University research team", "Impact evaluation unit of a donor"),
    "audit": ("National audit office", "Court of Auditors"),
}
