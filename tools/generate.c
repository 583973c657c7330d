/*
 * generate.c - deterministic generator of panorama's example and benchmark exports.
 *
 * Usage:
 *   pn-generate examples DIR          the 32 towns of the Val-d'Oise survey
 *   pn-generate national DIR [LINKS]  national scale, LINKS reported links (default 1000000)
 *
 * Both write four "plain export" files into DIR, in the layout `panorama import` reads (the
 * layout of ODK Central's CSV export without its metadata columns):
 *
 *   centre_social.csv, ecole.csv        one row per submission: the top-level variables of
 *                                       forms/<form>.csv in form order, then KEY
 *   centre_social-partenaires.csv,      one row per entry of the `partenaires` repeat:
 *   ecole-partenaires.csv               PARENT_KEY, KEY, then the repeat's variables
 *
 * UTF-8, ',' delimiter, LF line ends, RFC 4180 quoting when a field needs it, select_multiple
 * answers as space-separated choice names, non-relevant questions empty, calculated
 * `type_lien` not written (panorama computes it from the form).
 *
 * Everything comes from one splitmix64 stream with a fixed seed: the same command writes the
 * same bytes on every machine. Only libc, libm and PROJ (for the Lambert-93 coordinates of the
 * examples' Sirene file) are used.
 *
 * The examples model a world, then let each side report it: every centre social picks the
 * schools it works with (its own area first), each link gets a latent nature (rhythm,
 * formalisation, schemes...), and each side reports the link with its own, sometimes
 * different, view of it. Schools report only some of their links, and a few report links the
 * centre did not mention, so the files hold two-sided dyads and one-sided reports.
 *
 * Exactly three rows of the examples are deliberately invalid, so that `panorama rejects` has
 * something to show (the program prints their file:line when it writes them; lines are
 * physical lines, header = line 1, and some comments before them span several lines):
 *   1. centre_social.csv:10 (7th record): the last centre social of Argenteuil gives its postal
 *      code 95100 as `commune`, a value not in the form's `communes` list (INSEE code 95018).
 *   2. ecole.csv:402 (401st record): a school of Sarcelles typed its UAI with a digit missing
 *      (095912R, 7 characters), which fails the constraint regex(., '^[0-9]{7}[A-Z]$').
 *   3. centre_social-partenaires.csv:57 (56th record): a partner entry has annee_debut 2031
 *      (2013 mistyped), beyond the constraint `. >= 1970 and . <= 2026`.
 * The first two structures answered `travaille_avec = non`, so no repeat entry hangs on them.
 * Every other value answers the required questions, meets the constraints and respects the
 * relevance rules of the forms.
 *
 * National scale streams its rows (memory does not grow with LINKS); ~35,000 structures spread
 * over 101 départements; identifiers stay valid (UAI check letter, SIRET Luhn on 14 and on 9
 * digits) but, so that every value stays in the form's list, `commune` cycles through the 32
 * towns of the form.
 */

#include <errno.h>
#include <math.h>

#include <proj.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { EXIT_USAGE = 2 };

/* ---------------------------------------------------------------- random numbers */

typedef struct {
    uint64_t state;
} rng;

static uint64_t rng_next(rng *r)
{
    uint64_t z = (r->state += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

/* A uniform integer in [0, n), n > 0. */
static unsigned rng_below(rng *r, unsigned n)
{
    return (unsigned)(((rng_next(r) >> 32) * (uint64_t)n) >> 32);
}

static double rng_unit(rng *r)
{
    return (double)(rng_next(r) >> 11) * 0x1.0p-53;
}

static int rng_chance(rng *r, double p)
{
    return rng_unit(r) < p;
}

/* An index drawn with the given weights (any positive scale). */
static int rng_pick(rng *r, const double *w, int n)
{
    double total = 0, x;
    int i;
    for (i = 0; i < n; i++)
        total += w[i];
    x = rng_unit(r) * total;
    for (i = 0; i < n - 1; i++) {
        if (x < w[i])
            return i;
        x -= w[i];
    }
    return n - 1;
}

/* ---------------------------------------------------------------- CSV writer */

typedef struct {
    FILE *f;
    char path[4096];
    long line;  /* physical lines completed so far */
    int fields; /* fields written in the current record */
} csv_out;

static int out_open(csv_out *o, const char *dir, const char *name)
{
    static char buffer_space[4][1 << 20];
    static int next_buffer;
    int n = snprintf(o->path, sizeof o->path, "%s/%s", dir, name);
    if (n < 0 || (size_t)n >= sizeof o->path) {
        fprintf(stderr, "pn-generate: path too long: '%s/%s'\n", dir, name);
        return -1;
    }
    o->f = fopen(o->path, "w");
    if (!o->f) {
        fprintf(stderr, "pn-generate: cannot open '%s': %s\n", o->path, strerror(errno));
        return -1;
    }
    setvbuf(o->f, buffer_space[next_buffer++ % 4], _IOFBF, sizeof buffer_space[0]);
    o->line = 0;
    o->fields = 0;
    return 0;
}

/* Writes one field, quoted when it holds a delimiter, a quote or a line break. */
static void out_field(csv_out *o, const char *s)
{
    const char *p;
    if (o->fields++ > 0)
        putc(',', o->f);
    if (!s || !*s)
        return;
    if (!strpbrk(s, ",\"\n\r")) {
        fputs(s, o->f);
        return;
    }
    putc('"', o->f);
    for (p = s; *p; p++) {
        if (*p == '"')
            putc('"', o->f);
        if (*p == '\n')
            o->line++;
        putc(*p, o->f);
    }
    putc('"', o->f);
}

static void out_int(csv_out *o, long v)
{
    char b[24];
    snprintf(b, sizeof b, "%ld", v);
    out_field(o, b);
}

static void out_end(csv_out *o)
{
    putc('\n', o->f);
    o->line++;
    o->fields = 0;
}

static void out_header(csv_out *o, const char *const *names)
{
    for (; *names; names++)
        out_field(o, *names);
    out_end(o);
}

/* Closes the file; returns -1 (with a message) if anything failed while writing. */
static int out_close(csv_out *o)
{
    int bad;
    if (!o->f)
        return 0;
    bad = ferror(o->f);
    if (fclose(o->f) != 0)
        bad = 1;
    o->f = NULL;
    if (bad) {
        fprintf(stderr, "pn-generate: cannot write '%s': %s\n", o->path, strerror(errno));
        return -1;
    }
    return 0;
}

/* A space-separated list of choice names. */
typedef struct {
    char s[512];
    size_t n;
} multi;

static void multi_add(multi *m, const char *name)
{
    size_t len = strlen(name);
    if (m->n + len + 2 > sizeof m->s)
        return;
    if (m->n)
        m->s[m->n++] = ' ';
    memcpy(m->s + m->n, name, len + 1);
    m->n += len;
}

/* ---------------------------------------------------------------- reference data */

typedef struct {
    const char *code; /* INSEE code */
    const char *name;
    const char *slug; /* ASCII, for e-mail domains */
    int qpv;          /* the town has a priority neighbourhood (to our knowledge) */
    int centres;      /* centres sociaux in the examples */
    int cite;         /* labelled cité éducative (illustrative) */
} town_info;

/* The 32 towns of the form, in its order; INSEE codes from the official geography. */
static const town_info TOWNS[] = {
    {"95018", "Argenteuil", "argenteuil", 1, 8, 1},
    {"95019", "Arnouville", "arnouville", 1, 3, 0},
    {"95039", "Auvers-sur-Oise", "auvers-sur-oise", 0, 2, 0},
    {"95052", "Beaumont-sur-Oise", "beaumont-sur-oise", 1, 3, 0},
    {"95063", "Bezons", "bezons", 1, 5, 0},
    {"95127", "Cergy", "cergy", 1, 8, 1},
    {"95197", "Deuil-la-Barre", "deuil-la-barre", 1, 3, 0},
    {"95203", "Eaubonne", "eaubonne", 1, 3, 0},
    {"95210", "Enghien-les-Bains", "enghien-les-bains", 0, 2, 0},
    {"95218", "Éragny", "eragny", 1, 3, 0},
    {"95219", "Ermont", "ermont", 1, 4, 0},
    {"95250", "Fosses", "fosses", 1, 3, 0},
    {"95252", "Franconville", "franconville", 1, 4, 0},
    {"95268", "Garges-lès-Gonesse", "garges", 1, 7, 1},
    {"95277", "Gonesse", "gonesse", 1, 5, 0},
    {"95280", "Goussainville", "goussainville", 1, 5, 0},
    {"95313", "L'Isle-Adam", "lisle-adam", 0, 2, 0},
    {"95323", "Jouy-le-Moutier", "jouy-le-moutier", 0, 2, 0},
    {"95351", "Louvres", "louvres", 1, 3, 0},
    {"95424", "Montigny-lès-Cormeilles", "montigny", 1, 3, 0},
    {"95427", "Montmagny", "montmagny", 1, 3, 0},
    {"95428", "Montmorency", "montmorency", 0, 3, 0},
    {"95487", "Persan", "persan", 1, 3, 0},
    {"95500", "Pontoise", "pontoise", 1, 6, 0},
    {"95555", "Saint-Gratien", "saint-gratien", 1, 3, 0},
    {"95572", "Saint-Ouen-l'Aumône", "saint-ouen-laumone", 1, 4, 0},
    {"95582", "Sannois", "sannois", 1, 3, 0},
    {"95585", "Sarcelles", "sarcelles", 1, 8, 1},
    {"95598", "Soisy-sous-Montmorency", "soisy", 0, 2, 0},
    {"95607", "Taverny", "taverny", 1, 4, 0},
    {"95637", "Vauréal", "vaureal", 0, 2, 0},
    {"95680", "Villiers-le-Bel", "villiers-le-bel", 1, 6, 1},
};
enum { NTOWNS = sizeof TOWNS / sizeof TOWNS[0], TOWN_ARGENTEUIL = 0, TOWN_SARCELLES = 27 };

typedef struct {
    const char *label;
    const char *ascii;
    int female; /* first names: picks the feminine form of the job title */
} person_name;

static const person_name FIRST[] = {
    {"Amina", "amina", 1},         {"Hélène", "helene", 1},     {"Karim", "karim", 0},
    {"Sophie", "sophie", 1},       {"Mamadou", "mamadou", 0},   {"Nathalie", "nathalie", 1},
    {"Yacine", "yacine", 0},       {"Claire", "claire", 1},     {"Thierry", "thierry", 0},
    {"Fatoumata", "fatoumata", 1}, {"Julien", "julien", 0},     {"Samia", "samia", 1},
    {"Laurent", "laurent", 0},     {"Aïcha", "aicha", 1},       {"Rémi", "remi", 0},
    {"Valérie", "valerie", 1},     {"Moussa", "moussa", 0},     {"Isabelle", "isabelle", 1},
    {"Kevin", "kevin", 0},         {"Nadia", "nadia", 1},       {"Olivier", "olivier", 0},
    {"Leïla", "leila", 1},         {"François", "francois", 0}, {"Zoé", "zoe", 1},
    {"Stéphane", "stephane", 0},   {"Mariam", "mariam", 1},     {"Cédric", "cedric", 0},
    {"Linh", "linh", 1},           {"Patrick", "patrick", 0},   {"Inès", "ines", 1},
    {"Didier", "didier", 0},       {"Sandrine", "sandrine", 1},
};
static const person_name LAST[] = {
    {"Martin", "martin", 0},       {"Benali", "benali", 0},
    {"Diallo", "diallo", 0},       {"Petit", "petit", 0},
    {"Nguyen", "nguyen", 0},       {"Moreau", "moreau", 0},
    {"Traoré", "traore", 0},       {"Lefèvre", "lefevre", 0},
    {"Da Silva", "dasilva", 0},    {"Haddad", "haddad", 0},
    {"Roux", "roux", 0},           {"Koné", "kone", 0},
    {"Garnier", "garnier", 0},     {"Mendy", "mendy", 0},
    {"Bonnet", "bonnet", 0},       {"Cissé", "cisse", 0},
    {"Fournier", "fournier", 0},   {"Belkacem", "belkacem", 0},
    {"Lambert", "lambert", 0},     {"Tran", "tran", 0},
    {"Rousseau", "rousseau", 0},   {"N'Diaye", "ndiaye", 0},
    {"Girard", "girard", 0},       {"Ferreira", "ferreira", 0},
    {"Chevalier", "chevalier", 0}, {"Mansouri", "mansouri", 0},
    {"Blanc", "blanc", 0},         {"Sow", "sow", 0},
    {"Perrin", "perrin", 0},       {"Aubert", "aubert", 0},
    {"Lopes", "lopes", 0},         {"Yilmaz", "yilmaz", 0},
};
enum { NFIRST = sizeof FIRST / sizeof FIRST[0], NLAST = sizeof LAST / sizeof LAST[0] };

static const char *const CENTRE_KIND[] = {"Centre social", "Centre socioculturel", "Espace social",
                                          "Maison de quartier"};
static const char *const CENTRE_NAME[] = {
    "Les Marronniers", "La Passerelle",     "L'Agora",           "Les Tilleuls", "Le Chêne",
    "Nelson-Mandela",  "Les Coteaux",       "La Fontaine",       "Les Sablons",  "Louise-Michel",
    "Le Village",      "La Rencontre",      "Les Lavandières",   "Simone-Veil",  "Le Trait d'union",
    "Les Acacias",     "La Clé des champs", "Aimé-Césaire",      "Le Colombier", "Les Peupliers",
    "L'Escale",        "Rosa-Parks",        "La Ruche",          "Les Bruyères", "Le Moulin",
    "Jacques-Brel",    "La Croisée",        "Les Hautes-Bornes", "L'Éclipse",    "Victor-Schœlcher",
    "Le Parc",         "Les Glycines",      "La Maison bleue",   "Lucie-Aubrac", "Les Cerisiers",
    "Le Lien",
};
enum { NCENTRE_KIND = 4, NCENTRE_NAME = sizeof CENTRE_NAME / sizeof CENTRE_NAME[0] };

static const char *const EPONYM[] = {
    "Jean-Jaurès",
    "Jules-Ferry",
    "Paul-Langevin",
    "Louise-Michel",
    "Victor-Hugo",
    "Pablo-Picasso",
    "Jacques-Prévert",
    "Marie-Curie",
    "Anatole-France",
    "Jean-Moulin",
    "Romain-Rolland",
    "Paul-Éluard",
    "Aimé-Césaire",
    "Simone-Veil",
    "Rosa-Parks",
    "Lucie-Aubrac",
    "Olympe-de-Gouges",
    "Joséphine-Baker",
    "Saint-Exupéry",
    "Albert-Camus",
    "Condorcet",
    "Voltaire",
    "Jean-Macé",
    "Marcel-Pagnol",
    "Jean-de-La-Fontaine",
    "Charles-Perrault",
    "George-Sand",
    "Les Coquelicots",
    "Les Tilleuls",
    "Le Village",
    "Les Bleuets",
    "Berthe-Morisot",
    "Camille-Claudel",
    "Frédéric-Mistral",
    "Pasteur",
    "Gérard-Philipe",
    "Jean-Zay",
    "Nelson-Mandela",
    "Martin-Luther-King",
    "Irène-Joliot-Curie",
    "Gustave-Eiffel",
    "Eugène-Delacroix",
    "Henri-Wallon",
    "Danielle-Casanova",
    "Les Marronniers",
    "Paul-Bert",
    "Édouard-Herriot",
    "Antoine-de-Ruffi",
};
enum { NEPONYM = sizeof EPONYM / sizeof EPONYM[0] };

/* School types: choice names, labels used in names, abbreviations respondents write. */
static const char *const TYPE_ECOLE[] = {"maternelle", "elementaire", "primaire", "college"};
static const char *const TYPE_LONG[] = {"École maternelle", "École élémentaire", "École primaire",
                                        "Collège"};
static const char *const TYPE_SHORT[] = {"EM", "EE", "école", "collège"};
static const double TYPE_W[] = {34, 36, 18, 12};

static const char *const REP[] = {"rep_plus", "rep", "hors_rep", "nsp"};
enum { REP_PLUS, REP_REP, REP_HORS, REP_NSP };

static const char *const RYTHME[] = {"ponctuel", "regulier", "aucun"};
enum { RY_PONCTUEL, RY_REGULIER, RY_AUCUN };
static const char *const FREQUENCE[] = {"hebdomadaire", "mensuelle", "trimestrielle", "annuelle",
                                        "occasionnelle"};
static const char *const FORMALISATION[] = {"convention", "projet_ecrit", "accord_oral", "aucune"};
static const char *const PROFONDEUR[] = {"information", "coordination", "cooperation",
                                         "partenariat"};
static const char *const DISPOSITIF[] = {
    "clas", "pre",           "rep",   "cite_educative",
    "pedt", "contrat_ville", "oepre", "accompagnement_scolarite"};
enum { D_CLAS, D_PRE, D_REP, D_CITE, D_PEDT, D_CONTRAT, D_OEPRE, D_ACCOMP, NDISP };
static const char *const OBJET[] = {
    "parentalite", "aide_devoirs", "periscolaire", "citoyennete",      "culture", "sante",
    "numerique",   "orientation",  "decrochage",   "langue_francaise", "autre"};
enum { NOBJET = sizeof OBJET / sizeof OBJET[0] };
static const char *const ACTEUR_CENTRE[] = {
    "direction", "referent_famille", "animateurs", "accompagnateurs",
    "benevoles", "habitants",        "autre"};
static const char *const ACTEUR_ECOLE[] = {"direction",         "enseignants", "vie_scolaire",
                                           "coordonnateur_rep", "rased",       "social_sante",
                                           "parents_elus",      "autre"};
static const char *const INITIATIVE[] = {"centre", "ecole", "conjointe", "commune", "autre"};
enum { INI_CENTRE, INI_ECOLE };
static const char *const SATISFACTION[] = {"tres_satisfait", "plutot_satisfait",
                                           "plutot_insatisfait", "tres_insatisfait"};
static const char *const PERSPECTIVE[] = {"maintenir", "developper", "reduire", "arreter"};

static const char *const RAISON[] = {"pas_sollicite", "pas_contact", "pas_priorite",
                                     "manque_temps",  "sans_suite",  "pas_proximite",
                                     "autre"};
static const double RAISON_P[] = {0.35, 0.30, 0.15, 0.45, 0.18, 0.10, 0.08};
static const char *const FREIN[] = {"manque_temps",  "turnover",          "meconnaissance",
                                    "cultures_pro",  "pas_interlocuteur", "cadre_rigide",
                                    "manque_moyens", "calendrier",        "communication",
                                    "confiance",     "legitimite",        "autre"};
static const double FREIN_P_CENTRE[] = {0.64, 0.50, 0.46, 0.30, 0.30, 0.26,
                                        0.36, 0.22, 0.20, 0.08, 0.14, 0.05};
static const double FREIN_P_ECOLE[] = {0.68, 0.42, 0.44, 0.26, 0.24, 0.14,
                                       0.28, 0.30, 0.18, 0.07, 0.06, 0.04};
static const char *const FACTEUR[] = {"interlocuteur",
                                      "projet_commun",
                                      "convention",
                                      "reunions",
                                      "soutien_hierarchie",
                                      "interconnaissance",
                                      "parents",
                                      "dispositif",
                                      "locaux",
                                      "elus",
                                      "autre"};
static const double FACTEUR_P[] = {0.60, 0.50, 0.22, 0.42, 0.30, 0.46,
                                   0.26, 0.28, 0.12, 0.15, 0.04};
enum { NFREIN = 12, NFACTEUR = 11, NRAISON = 7 };

static const char *const RAISON_AUTRE[] = {
    "Changement de direction : le projet est en attente",
    "Le centre a ouvert ses portes en septembre dernier",
    "Nos locaux sont en travaux depuis un an",
};
static const char *const FREIN_AUTRE[] = {
    "Les autorisations de sortie arrivent trop tard",
    "Difficile de joindre l'école par téléphone ou par courriel",
    "Des changements de direction presque chaque année",
    "Le manque de salles disponibles en fin de journée",
    "Les consignes de sécurité à l'entrée des écoles (Vigipirate)",
};
static const char *const FACTEUR_AUTRE[] = {
    "Une coordinatrice de la Cité éducative qui fait le lien",
    "Des moments conviviaux avec les familles, comme un café des parents",
    "Un agent de la ville qui connaît tout le monde",
    "Des formations communes entre animateurs et enseignants",
};
static const char *const COMMENT_CENTRE[] = {
    "Nous aimerions être associés au conseil d'école.",
    ("Le partenariat dépend beaucoup des personnes : quand la direction change, tout est à "
     "reconstruire."),
    "Merci pour cette démarche, nous viendrons aux rencontres départementales.",
    "Le \"café des parents\" du jeudi matin est devenu un vrai lieu d'échange avec l'école.",
    ("Deux remarques :\n- les horaires de l'accompagnement scolaire (16 h 30 - 18 h) ne "
     "conviennent plus ;\n- il nous manque une salle commune pour nous réunir."),
    "Bonne dynamique depuis l'arrivée de la Cité éducative, à consolider.",
};
static const char *const COMMENT_ECOLE[] = {
    "Très bonne collaboration avec l'équipe d'animation, à poursuivre.",
    ("Nous connaissons mal l'offre du centre social ; une présentation en conseil des maîtres "
     "serait utile."),
    "Les familles allophones apprécient beaucoup les ateliers de français.",
    "Le temps de concertation manque, mais la volonté est là.",
    "Merci, nous attendons avec intérêt la synthèse de l'enquête.",
};
/* Job titles, masculine then feminine. */
static const char *const FONCTION_CENTRE[][2] = {
    {"Directeur", "Directrice"},
    {"Directeur adjoint", "Directrice adjointe"},
    {"Référent famille", "Référente famille"},
    {"Coordinateur enfance-jeunesse", "Coordinatrice enfance-jeunesse"},
    {"Animateur accompagnement scolaire", "Animatrice accompagnement scolaire"},
    {"Président (bénévole)", "Présidente (bénévole)"},
};
static const char *const FONCTION_ECOLE[][2] = {
    {"Directeur d'école", "Directrice d'école"},
    {"Enseignant", "Enseignante"},
    {"Coordonnateur REP+", "Coordonnatrice REP+"},
    {"Coordonnateur REP", "Coordonnatrice REP"},
};
static const char *const FONCTION_COLLEGE[][2] = {
    {"Principal", "Principale"},
    {"Principal adjoint", "Principale adjointe"},
    {"CPE", "CPE"},
    {"Coordonnateur REP+", "Coordonnatrice REP+"},
    {"Coordonnateur REP", "Coordonnatrice REP"},
};

#define COUNT(a) ((int)(sizeof(a) / sizeof((a)[0])))

/* ---------------------------------------------------------------- identifiers */

/* The Luhn check digit that makes digits + check valid. */
static int luhn_digit(const char *digits, size_t n)
{
    int sum = 0;
    size_t i;
    for (i = 0; i < n; i++) {
        /* Counted from the right once the check digit is appended: even positions double. */
        int d = digits[n - 1 - i] - '0';
        if (i % 2 == 0) {
            d *= 2;
            if (d > 9)
                d -= 9;
        }
        sum += d;
    }
    return (10 - sum % 10) % 10;
}

/* A valid SIRET (Luhn on the 9-digit SIREN and on all 14 digits), unique per seq < 6e7. */
static void make_siret(uint32_t seq, char out[15])
{
    uint32_t base = 30000000u + (uint32_t)(((uint64_t)seq * 7919u) % 60000000u);
    unsigned nic = 1 + (seq * 13u) % 97u;
    if (base == 35600000u) /* La Poste's SIREN follows another rule: stay clear of it */
        base = 90000000u;
    snprintf(out, 15, "%08u", (unsigned)base);
    out[8] = (char)('0' + luhn_digit(out, 8));
    snprintf(out + 9, 6, "%04u", nic);
    out[13] = (char)('0' + luhn_digit(out, 13));
    out[14] = '\0';
}

/* A valid UAI: 3-character département prefix, 4 digits, check letter. */
static void make_uai(const char *dept3, unsigned serial, char out[9])
{
    static const char letters[] = "ABCDEFGHJKLMNPRSTUVWXYZ";
    unsigned long n;
    snprintf(out, 9, "%.3s%04u", dept3, serial % 10000);
    n = strtoul(out, NULL, 10);
    out[7] = letters[n % 23];
    out[8] = '\0';
}

static void make_uuid(rng *r, char out[48])
{
    uint64_t a = rng_next(r), b = rng_next(r);
    snprintf(out, 48, "uuid:%08x-%04x-4%03x-%04x-%012llx", (unsigned)(a >> 32),
             (unsigned)((a >> 16) & 0xffff), (unsigned)(a & 0xfff),
             (unsigned)(0x8000 | ((b >> 48) & 0x3fff)),
             (unsigned long long)(b & 0xffffffffffffULL));
}

/* Start and end of a submission, in spring 2026, local time (CET, then CEST from 29 March). */
static void make_times(rng *r, int first_day, char start[64], char end[64])
{
    int day = first_day + (int)rng_below(r, 46); /* day 0 = 1 March 2026 */
    int month = 3, mday = day + 1;
    int minute = 8 * 60 + (int)rng_below(r, 11 * 60);
    int second = (int)rng_below(r, 60);
    int length = 6 * 60 + (int)rng_below(r, 34 * 60); /* seconds */
    int end_total = minute * 60 + second + length;
    int tz;
    if (mday > 31) {
        mday -= 31;
        month = 4;
    }
    tz = (month == 3 && mday < 29) ? 1 : 2;
    snprintf(start, 64, "2026-%02d-%02dT%02d:%02d:%02d.000+%02d:00", month, mday, minute / 60,
             minute % 60, second, tz);
    snprintf(end, 64, "2026-%02d-%02dT%02d:%02d:%02d.000+%02d:00", month, mday, end_total / 3600,
             end_total / 60 % 60, end_total % 60, tz);
}

/* ---------------------------------------------------------------- the latent link */

typedef struct {
    int rythme, frequence, formalisation, profondeur;
    unsigned dispositifs; /* bit per DISPOSITIF */
    unsigned objets;      /* bit per OBJET */
    int initiative;
    int year;
    int satisfaction;
} link_nature;

/* Context that shapes a link: where it is and who the school is. */
typedef struct {
    int qpv;     /* in a town (or structure) with a priority neighbourhood */
    int rep;     /* the school is in REP or REP+ */
    int cite;    /* the town has a cité éducative */
    int college; /* the school is a collège */
} link_context;

static void nature_make(rng *r, const link_context *c, link_nature *l)
{
    static const double ry_qpv[] = {34, 58, 8}, ry_other[] = {45, 45, 10};
    static const double fr_reg[] = {35, 30, 20, 10, 5}, fr_ponct[] = {2, 6, 17, 35, 40};
    static const double fo_disp[] = {22, 14, 40, 24}, fo_none[] = {6, 9, 48, 37};
    static const double pr_reg[] = {10, 25, 35, 30}, pr_ponct[] = {25, 30, 35, 10};
    static const double ini[] = {33, 22, 25, 13, 7};
    static const double sat_good[] = {42, 48, 8, 2}, sat_mid[] = {26, 56, 14, 4},
                        sat_none[] = {5, 25, 40, 30};
    double pd[NDISP];
    int i;
    memset(l, 0, sizeof *l);
    l->rythme = rng_pick(r, c->qpv ? ry_qpv : ry_other, 3);

    pd[D_CLAS] = c->qpv ? 0.35 : 0.15;
    pd[D_PRE] = c->qpv ? 0.20 : 0.03;
    pd[D_REP] = c->rep ? 0.40 : 0;
    pd[D_CITE] = c->cite ? 0.35 : 0;
    pd[D_PEDT] = 0.12;
    pd[D_CONTRAT] = c->qpv ? 0.20 : 0;
    pd[D_OEPRE] = c->rep ? 0.12 : 0.03;
    pd[D_ACCOMP] = c->qpv ? 0.15 : 0.12;
    for (i = 0; i < NDISP; i++)
        if (rng_chance(r, pd[i]))
            l->dispositifs |= 1u << i;

    l->formalisation = rng_pick(r, l->dispositifs ? fo_disp : fo_none, 4);
    l->frequence = rng_pick(r, l->rythme == RY_REGULIER ? fr_reg : fr_ponct, 5);
    l->profondeur = rng_pick(r, l->rythme == RY_REGULIER ? pr_reg : pr_ponct, 4);
    if (l->formalisation == 0 && l->profondeur < 3 && rng_chance(r, 0.5))
        l->profondeur++;

    {
        double po[NOBJET] = {0.50, 0.45, 0.35, 0.20, 0.30, 0.12, 0.10, 0.06, 0.08, 0.10, 0.04};
        if (l->dispositifs & ((1u << D_CLAS) | (1u << D_ACCOMP)))
            po[1] = 0.85;
        if (l->dispositifs & (1u << D_OEPRE))
            po[9] = 0.80;
        if (c->college) {
            po[7] = 0.30;
            po[8] = 0.30;
        }
        for (i = 0; i < NOBJET; i++)
            if (rng_chance(r, po[i]))
                l->objets |= 1u << i;
        if (!l->objets)
            l->objets = 1u << (rng_chance(r, 0.5) ? 0 : 1);
    }
    l->initiative = rng_pick(r, ini, 5);
    {
        /* Mostly recent links, a long tail back to the 1980s. */
        double age = -log(1.0 - rng_unit(r)) * (l->rythme == RY_PONCTUEL ? 3.0 : 6.5);
        int year = 2026 - (int)age;
        if (l->rythme == RY_AUCUN && year > 2025)
            year = 2025;
        l->year = year < 1982 ? 1982 + (int)rng_below(r, 10) : year;
    }
    l->satisfaction = rng_pick(r,
                               l->rythme == RY_AUCUN                                ? sat_none
                               : (l->rythme == RY_REGULIER || l->formalisation < 2) ? sat_good
                                                                                    : sat_mid,
                               4);
}

/* One side's view of an ordered answer: the truth, or a neighbouring value. */
static int perceive(rng *r, int v, int n, double p_same)
{
    int w;
    if (rng_chance(r, p_same))
        return v;
    w = v + (rng_chance(r, 0.5) ? 1 : -1);
    if (w < 0 || w >= n)
        w = v + (w < 0 ? 1 : -1);
    return w;
}

enum network { NET_CENTRE, NET_ECOLE };

typedef struct {
    const char *partner_id;
    const char *partner_name; /* as the respondent wrote it; may be empty */
    int college;              /* the school of the link is a collège */
    int bad_year;             /* write the deliberate out-of-range year */
} partner_view;

static const char *const PARTNER_HEADER[] = {
    "PARENT_KEY",  "KEY",          "partenaire_id", "partenaire_nom",
    "rythme",      "frequence",    "formalisation", "profondeur",
    "dispositifs", "objets",       "acteurs",       "initiative",
    "annee_debut", "satisfaction", "perspective",   NULL};

/* Writes one entry of the `partenaires` repeat: side's report of link l. */
static void write_partner(csv_out *o, rng *r, const char *parent_key, int n, enum network side,
                          const link_nature *l, const partner_view *p)
{
    static const double per_sat[4][4] = {
        {42, 55, 2, 1}, {50, 42, 6, 2}, {25, 35, 30, 10}, {10, 30, 25, 35}};
    static const double per_none[4] = {10, 55, 5, 30};
    char key[96];
    int rythme, i;

    snprintf(key, sizeof key, "%s/partenaires[%d]", parent_key, n);
    out_field(o, parent_key);
    out_field(o, key);
    out_field(o, p->partner_id);
    out_field(o, p->partner_name);

    if (l->rythme == RY_AUCUN)
        rythme = rng_chance(r, 0.85) ? RY_AUCUN : RY_PONCTUEL;
    else if (rng_chance(r, 0.80))
        rythme = l->rythme;
    else
        rythme = rng_chance(r, 0.9) ? 1 - l->rythme : RY_AUCUN;
    out_field(o, RYTHME[rythme]);

    if (rythme == RY_AUCUN) {
        for (i = 0; i < 6; i++)
            out_field(o, NULL);
    } else {
        multi d = {{0}, 0}, ob = {{0}, 0}, ac = {{0}, 0};
        unsigned seen = 0;
        out_field(o, rng_chance(r, 0.03) ? NULL : FREQUENCE[perceive(r, l->frequence, 5, 0.70)]);
        out_field(o, FORMALISATION[perceive(r, l->formalisation, 4, 0.74)]);
        out_field(o, PROFONDEUR[perceive(r, l->profondeur, 4, 0.62)]);

        for (i = 0; i < NDISP; i++)
            if ((l->dispositifs & (1u << i)) && rng_chance(r, 0.86))
                seen |= 1u << i;
        if (rng_chance(r, 0.05))
            seen |= 1u << (rng_chance(r, 0.5) ? D_PEDT : D_ACCOMP);
        for (i = 0; i < NDISP; i++)
            if (seen & (1u << i))
                multi_add(&d, DISPOSITIF[i]);
        if (!seen && rng_chance(r, 0.88))
            multi_add(&d, "aucun");
        out_field(o, d.s);

        seen = 0;
        for (i = 0; i < NOBJET; i++)
            if ((l->objets & (1u << i)) && rng_chance(r, 0.85))
                seen |= 1u << i;
        if (rng_chance(r, 0.08))
            seen |= 1u << rng_below(r, 5);
        if (!seen)
            seen = l->objets;
        for (i = 0; i < NOBJET; i++)
            if (seen & (1u << i))
                multi_add(&ob, OBJET[i]);
        out_field(o, ob.s);

        if (side == NET_CENTRE) {
            const double pa[] = {0.55, 0.50, 0.45, (l->dispositifs & (1u << D_CLAS)) ? 0.80 : 0.25,
                                 0.25, 0.15, 0.03};
            for (i = 0; i < COUNT(ACTEUR_CENTRE); i++)
                if (rng_chance(r, pa[i]))
                    multi_add(&ac, ACTEUR_CENTRE[i]);
            if (!ac.n)
                multi_add(&ac, ACTEUR_CENTRE[0]);
        } else {
            const double pa[] = {0.75,
                                 0.60,
                                 p->college ? 0.60 : 0,
                                 (l->dispositifs & (1u << D_REP)) ? 0.55 : 0.05,
                                 0.10,
                                 0.10,
                                 0.15,
                                 0.03};
            for (i = 0; i < COUNT(ACTEUR_ECOLE); i++)
                if (rng_chance(r, pa[i]))
                    multi_add(&ac, ACTEUR_ECOLE[i]);
            if (!ac.n)
                multi_add(&ac, ACTEUR_ECOLE[0]);
        }
        out_field(o, ac.s);
    }

    /* Asked whatever the rhythm. */
    {
        int ini = l->initiative;
        if (!rng_chance(r, 0.72))
            ini = side == NET_CENTRE ? INI_CENTRE : INI_ECOLE; /* each side remembers itself */
        out_field(o, rng_chance(r, 0.04) ? NULL : INITIATIVE[ini]);
    }
    if (p->bad_year)
        out_int(o, 2031);
    else if (rng_chance(r, 0.10))
        out_field(o, NULL); /* "ne sait pas": left empty */
    else {
        int y = l->year + (int)rng_below(r, 3) - 1;
        out_int(o, y > 2026 ? 2026 : y < 1970 ? 1970 : y);
    }
    {
        int sat = perceive(r, l->satisfaction, 4, 0.78);
        if (side == NET_ECOLE && sat < 3 && rng_chance(r, 0.05))
            sat++; /* schools are a little harder to please */
        out_field(o, rng_chance(r, 0.03) ? NULL : SATISFACTION[sat]);
        out_field(o, PERSPECTIVE[rng_pick(r, rythme == RY_AUCUN ? per_none : per_sat[sat], 4)]);
    }
    out_end(o);
}

/* ---------------------------------------------------------------- submissions */

static const char *const CENTRE_HEADER[] = {"start",
                                            "end",
                                            "nom_structure",
                                            "siret",
                                            "commune",
                                            "en_qpv",
                                            "code_qpv",
                                            "rep",
                                            "nom_repondant",
                                            "fonction_repondant",
                                            "courriel",
                                            "travaille_avec",
                                            "raisons_non",
                                            "raisons_non_autre",
                                            "freins",
                                            "freins_autre",
                                            "facteurs",
                                            "facteurs_autre",
                                            "commentaire",
                                            "KEY",
                                            NULL};
static const char *const ECOLE_HEADER[] = {"start",
                                           "end",
                                           "nom_structure",
                                           "uai",
                                           "type_ecole",
                                           "commune",
                                           "en_qpv",
                                           "code_qpv",
                                           "rep",
                                           "nom_repondant",
                                           "fonction_repondant",
                                           "courriel",
                                           "travaille_avec",
                                           "raisons_non",
                                           "raisons_non_autre",
                                           "freins",
                                           "freins_autre",
                                           "facteurs",
                                           "facteurs_autre",
                                           "commentaire",
                                           "KEY",
                                           NULL};

typedef struct {
    enum network net;
    const char *name;
    const char *id;      /* SIRET or UAI, as written */
    int school_type;     /* index in TYPE_ECOLE, schools only */
    const char *commune; /* as written */
    int en_qpv;
    const char *code_qpv; /* may be empty */
    int rep;              /* index in REP, or -1 for no answer */
    int works;            /* travaille_avec */
    const char *domain;   /* e-mail domain of the respondent */
    const char *key;
    int first_day; /* of the answering window, 0 = 1 March 2026 */
} submission;

static void write_multi_from(csv_out *o, rng *r, const char *const *names, const double *p, int n,
                             const char *const *other, int nother, int at_least_one)
{
    multi m = {{0}, 0};
    int i, any_other = 0;
    for (i = 0; i < n; i++)
        if (rng_chance(r, p[i])) {
            multi_add(&m, names[i]);
            any_other |= (i == n - 1);
        }
    if (!m.n && at_least_one)
        multi_add(&m, names[0]);
    out_field(o, m.s);
    out_field(o, any_other ? other[rng_below(r, (unsigned)nother)] : NULL);
}

/* Writes one submission's main row (the partner entries go to the repeat file). */
static void write_submission(csv_out *o, rng *r, const submission *s)
{
    char start[64], end[64], person[80], mail[160];
    const person_name *first = &FIRST[rng_below(r, NFIRST)];
    const person_name *last = &LAST[rng_below(r, NLAST)];

    make_times(r, s->first_day, start, end);
    out_field(o, start);
    out_field(o, end);
    out_field(o, s->name);
    out_field(o, s->id);
    if (s->net == NET_ECOLE)
        out_field(o, TYPE_ECOLE[s->school_type]);
    out_field(o, s->commune);
    out_field(o, s->en_qpv ? "oui" : "non");
    out_field(o, s->en_qpv ? s->code_qpv : NULL);
    out_field(o, s->rep >= 0 ? REP[s->rep] : NULL);

    snprintf(person, sizeof person, "%s %s", first->label, last->label);
    out_field(o, rng_chance(r, 0.10) ? NULL : person);
    {
        /* Job titles weighted by who usually answers; REP coordinators only where there is one. */
        int rep_plus = s->rep == REP_PLUS, rep = s->rep == REP_REP;
        const double wc[] = {40, 6, 25, 14, 10, 5};
        const double we[] = {65, 25, rep_plus ? 10 : 0, rep ? 10 : 0};
        const double wk[] = {45, 25, 20, rep_plus ? 10 : 0, rep ? 10 : 0};
        if (s->net == NET_CENTRE)
            out_field(o, rng_chance(r, 0.08)
                             ? NULL
                             : FONCTION_CENTRE[rng_pick(r, wc, COUNT(wc))][first->female]);
        else if (s->school_type == 3)
            out_field(o, FONCTION_COLLEGE[rng_pick(r, wk, COUNT(wk))][first->female]);
        else
            out_field(o, FONCTION_ECOLE[rng_pick(r, we, COUNT(we))][first->female]);
    }
    snprintf(mail, sizeof mail, "%s.%s@%s", first->ascii, last->ascii, s->domain);
    out_field(o, rng_chance(r, 0.15) ? NULL : mail);

    out_field(o, s->works ? "oui" : "non");
    if (s->works) {
        out_field(o, NULL);
        out_field(o, NULL);
    } else {
        write_multi_from(o, r, RAISON, RAISON_P, NRAISON, RAISON_AUTRE, COUNT(RAISON_AUTRE), 1);
    }
    if (rng_chance(r, 0.03)) { /* skipped the obstacles question */
        out_field(o, NULL);
        out_field(o, NULL);
    } else {
        write_multi_from(o, r, FREIN, s->net == NET_CENTRE ? FREIN_P_CENTRE : FREIN_P_ECOLE, NFREIN,
                         FREIN_AUTRE, COUNT(FREIN_AUTRE), 1);
    }
    if (rng_chance(r, 0.04)) {
        out_field(o, NULL);
        out_field(o, NULL);
    } else {
        write_multi_from(o, r, FACTEUR, FACTEUR_P, NFACTEUR, FACTEUR_AUTRE, COUNT(FACTEUR_AUTRE),
                         1);
    }
    if (rng_chance(r, 0.14))
        out_field(o, s->net == NET_CENTRE ? COMMENT_CENTRE[rng_below(r, COUNT(COMMENT_CENTRE))]
                                          : COMMENT_ECOLE[rng_below(r, COUNT(COMMENT_ECOLE))]);
    else
        out_field(o, NULL);
    out_field(o, s->key);
    out_end(o);
}

/* ---------------------------------------------------------------- examples: the world */

enum { MAX_CENTRES = 256, MAX_SCHOOLS = 2048, MAX_LINKS = 4096, MAX_REPORTS = 8 };

typedef struct {
    char siret[15];
    char name[96];
    char short_name[64];
    char key[48];
    char qpv_code[12];
    int town, en_qpv, works, responds, rep;
    int reports[MAX_REPORTS], nreports; /* link indices, in the order reported */
} centre;

typedef struct {
    char uai[9];
    char name[96];
    char short_name[64];
    char key[48];
    char qpv_code[12];
    int town, area, type, en_qpv, rep, works, responds, bad_uai;
    int reports[MAX_REPORTS], nreports;
} school;

typedef struct {
    int centre, school;
    link_nature nature;
} world_link;

typedef struct {
    centre centres[MAX_CENTRES];
    school schools[MAX_SCHOOLS];
    world_link links[MAX_LINKS];
    int ncentres, nschools, nlinks;
    int bad_centre, bad_school, bad_link;
} world;

static void qpv_code_for(rng *r, int town, char out[12])
{
    /* Illustrative codes in the official formats (2024 list QN, 2015 list QP). */
    /* One draw per statement: the order of evaluation of arguments is unspecified. */
    int legacy = rng_chance(r, 0.12);
    int number = (int)rng_below(r, 3);
    int letter = (int)rng_below(r, 2);
    if (legacy)
        snprintf(out, 12, "QP095%03d", 1 + (town * 7 + number) % 60);
    else
        snprintf(out, 12, "QN095%02d%c", 1 + (town * 3 + number) % 99,
                 "ABCDEFGHJKLMNPRSTUVWXYZ"[(town * 5 + letter) % 23]);
}

static int shuffle_ints(rng *r, int *a, int n)
{
    int i;
    for (i = n - 1; i > 0; i--) {
        int j = (int)rng_below(r, (unsigned)i + 1), t = a[i];
        a[i] = a[j];
        a[j] = t;
    }
    return n;
}

static int add_link(world *w, rng *r, int c, int s)
{
    world_link *l;
    link_context ctx;
    const school *sc = &w->schools[s];
    if (w->nlinks >= MAX_LINKS)
        return -1;
    l = &w->links[w->nlinks];
    l->centre = c;
    l->school = s;
    ctx.qpv = TOWNS[sc->town].qpv && (sc->en_qpv || w->centres[c].en_qpv);
    ctx.rep = sc->rep == REP_PLUS || sc->rep == REP_REP;
    ctx.cite = TOWNS[sc->town].cite;
    ctx.college = sc->type == 3;
    nature_make(r, &ctx, &l->nature);
    return w->nlinks++;
}

static void build_world(world *w, rng *r)
{
    static const double k_w[] = {15, 22, 24, 18, 12, 9}; /* 2..7 partner schools */
    int t, i, j;
    int town_first_school[NTOWNS + 1], town_first_centre[NTOWNS + 1];

    w->ncentres = w->nschools = w->nlinks = 0;
    w->bad_centre = w->bad_school = w->bad_link = -1;
    for (t = 0; t < NTOWNS; t++) {
        int name_base = (int)rng_below(r, NCENTRE_NAME);
        int eponym_base = (int)rng_below(r, NEPONYM);
        int school_no = 0;
        town_first_centre[t] = w->ncentres;
        town_first_school[t] = w->nschools;
        for (i = 0; i < TOWNS[t].centres; i++) {
            centre *c = &w->centres[w->ncentres];
            int nsch = 3 + (int)rng_below(r, 4);
            const char *nm = CENTRE_NAME[(name_base + i * 5) % NCENTRE_NAME];
            int kind = (int)rng_pick(r, (const double[]){70, 12, 10, 8}, NCENTRE_KIND);
            make_siret(100 + (unsigned)w->ncentres * 37u + (unsigned)t, c->siret);
            snprintf(c->name, sizeof c->name, "%s %s", CENTRE_KIND[kind], nm);
            snprintf(c->short_name, sizeof c->short_name, "%s %s",
                     kind == 3 ? "Maison de quartier" : "CS", nm);
            c->town = t;
            c->en_qpv = TOWNS[t].qpv ? rng_chance(r, 0.8) : rng_chance(r, 0.05);
            if (c->en_qpv)
                qpv_code_for(r, t, c->qpv_code);
            c->works = !rng_chance(r, 0.08);
            c->responds = rng_chance(r, 0.95);
            c->nreports = 0;
            if (t == TOWN_ARGENTEUIL && i == TOWNS[t].centres - 1) {
                c->works = 0; /* deliberate bad row 1: postal code as commune */
                c->responds = 1;
                w->bad_centre = w->ncentres;
            }
            for (j = 0; j < nsch && w->nschools < MAX_SCHOOLS; j++) {
                school *s = &w->schools[w->nschools];
                const char *ep = EPONYM[(eponym_base + school_no * 7) % NEPONYM];
                s->type = rng_pick(r, TYPE_W, 4);
                make_uai("095", 1000 + ((unsigned)w->nschools * 37u + 211u) % 9000u, s->uai);
                snprintf(s->name, sizeof s->name, "%s %s", TYPE_LONG[s->type], ep);
                snprintf(s->short_name, sizeof s->short_name, "%s %s", TYPE_SHORT[s->type], ep);
                s->town = t;
                s->area = w->ncentres;
                s->en_qpv =
                    TOWNS[t].qpv ? rng_chance(r, c->en_qpv ? 0.8 : 0.3) : rng_chance(r, 0.03);
                if (s->en_qpv)
                    qpv_code_for(r, t, s->qpv_code);
                if (s->en_qpv)
                    s->rep = rng_pick(r, (const double[]){32, 46, 22}, 3);
                else
                    s->rep = rng_chance(r, TOWNS[t].qpv ? 0.15 : 0.04) ? REP_REP : REP_HORS;
                s->responds = rng_chance(r, 0.85);
                s->bad_uai = 0;
                s->works = -1; /* decided once the links are known */
                s->nreports = 0;
                if (t == TOWN_SARCELLES && w->nschools == town_first_school[t] + 2) {
                    s->bad_uai = 1; /* deliberate bad row 2: a digit missing in the UAI */
                    s->responds = 1;
                    s->works = 0;
                    w->bad_school = w->nschools;
                }
                w->nschools++;
                school_no++;
            }
            w->ncentres++;
        }
    }
    town_first_centre[NTOWNS] = w->ncentres;
    town_first_school[NTOWNS] = w->nschools;

    /* Each working centre picks 2-7 schools of its town, its own area first. */
    for (i = 0; i < w->ncentres; i++) {
        centre *c = &w->centres[i];
        int cand[MAX_SCHOOLS], ncand = 0, nown = 0, k;
        if (!c->works)
            continue;
        t = c->town;
        for (j = town_first_school[t]; j < town_first_school[t + 1]; j++)
            if (w->schools[j].area == i)
                cand[ncand++] = j;
        nown = shuffle_ints(r, cand, ncand);
        for (j = town_first_school[t]; j < town_first_school[t + 1]; j++)
            if (w->schools[j].area != i)
                cand[ncand++] = j;
        shuffle_ints(r, cand + nown, ncand - nown);
        k = 2 + rng_pick(r, k_w, 6);
        if (k > ncand)
            k = ncand;
        for (j = 0; j < k && c->nreports < MAX_REPORTS; j++) {
            int l = add_link(w, r, i, cand[j]);
            if (l >= 0)
                c->reports[c->nreports++] = l;
        }
    }

    /* Each school reports some of its links (1-3), sometimes one the centre did not name. */
    for (j = 0; j < w->nschools; j++) {
        school *s = &w->schools[j];
        int mine[MAX_LINKS], nmine = 0, l;
        for (l = 0; l < w->nlinks; l++)
            if (w->links[l].school == j)
                mine[nmine++] = l;
        if (s->works == 0)
            continue;
        shuffle_ints(r, mine, nmine);
        s->works = nmine ? !rng_chance(r, 0.04) : !rng_chance(r, 0.25);
        if (!s->works)
            continue;
        for (l = 0; l < nmine && s->nreports < 3; l++)
            if (rng_chance(r, 0.85))
                s->reports[s->nreports++] = mine[l];
        if (s->nreports == 0 || (s->nreports < 3 && rng_chance(r, 0.08))) {
            /* A link only the school reports: its area centre, or another of the town. */
            int c = s->area, tries;
            for (tries = 0; tries < 8 && (!w->centres[c].works || c == w->bad_centre); tries++)
                c = town_first_centre[s->town] +
                    (int)rng_below(
                        r, (unsigned)(town_first_centre[s->town + 1] - town_first_centre[s->town]));
            for (l = 0; l < s->nreports; l++)
                if (w->links[s->reports[l]].centre == c)
                    c = -1;
            if (c >= 0 && w->centres[c].works && c != w->bad_centre) {
                int nl = -1;
                for (l = 0; l < nmine; l++)
                    if (w->links[mine[l]].centre == c)
                        nl = mine[l]; /* a link it had left out: report that one */
                if (nl < 0)
                    nl = add_link(w, r, c, j);
                if (nl >= 0)
                    s->reports[s->nreports++] = nl;
            }
        }
        if (s->nreports == 0)
            s->works = 0;
    }

    /* Deliberate bad row 3: the first entry of the 12th working, responding centre. */
    for (i = 0, j = 0; i < w->ncentres; i++)
        if (w->centres[i].responds && w->centres[i].works && w->centres[i].nreports && ++j == 12) {
            w->bad_link = w->centres[i].reports[0];
            break;
        }

    for (i = 0; i < w->ncentres; i++) {
        centre *c = &w->centres[i];
        int best = REP_HORS;
        make_uuid(r, c->key);
        for (j = 0; j < w->nschools; j++)
            if (w->schools[j].area == i && w->schools[j].rep < best)
                best = w->schools[j].rep;
        c->rep = rng_chance(r, 0.12) ? REP_NSP : rng_chance(r, 0.04) ? -1 : best;
    }
    for (j = 0; j < w->nschools; j++)
        make_uuid(r, w->schools[j].key);
}

static const char *written_name(rng *r, const char *full, const char *short_name)
{
    double x = rng_unit(r);
    return x < 0.74 ? full : x < 0.88 ? short_name : "";
}

/* ---------------------------------------------------------------- examples: the registry */

/* Approximate places and postal codes of the 32 towns, in TOWNS' order (their centres, for
 * illustrative coordinates). */
static const struct {
    double lat, lon;
    const char *postcode;
} TOWN_PLACE[NTOWNS] = {
    {48.947, 2.248, "95100"}, {48.987, 2.414, "95400"}, {49.071, 2.170, "95430"},
    {49.142, 2.287, "95260"}, {48.926, 2.217, "95870"}, {49.036, 2.063, "95000"},
    {48.970, 2.327, "95170"}, {48.992, 2.281, "95600"}, {48.970, 2.305, "95880"},
    {49.018, 2.092, "95610"}, {48.990, 2.258, "95120"}, {49.099, 2.506, "95470"},
    {48.989, 2.229, "95130"}, {48.972, 2.401, "95140"}, {48.987, 2.449, "95500"},
    {49.032, 2.469, "95190"}, {49.108, 2.222, "95290"}, {49.011, 2.035, "95280"},
    {49.044, 2.505, "95380"}, {48.994, 2.196, "95370"}, {48.973, 2.345, "95360"},
    {48.988, 2.322, "95160"}, {49.152, 2.272, "95340"}, {49.050, 2.101, "95300"},
    {48.972, 2.284, "95210"}, {49.044, 2.111, "95310"}, {48.972, 2.258, "95110"},
    {48.997, 2.381, "95200"}, {48.988, 2.301, "95230"}, {49.026, 2.222, "95150"},
    {49.030, 2.033, "95490"}, {49.009, 2.391, "95400"},
};

/* The Annuaire de l'éducation's export, as its site writes it (DOMAIN.md §2): 72 columns. */
static const char *const ANNUAIRE_HEADER[] = {"Identifiant_de_l_etablissement",
                                              "Nom_etablissement",
                                              "Type_etablissement",
                                              "Statut_public_prive",
                                              "Adresse_1",
                                              "Adresse_2",
                                              "Adresse_3",
                                              "Code_postal",
                                              "Code_commune",
                                              "Nom_commune",
                                              "Code_departement",
                                              "Code_academie",
                                              "Code_region",
                                              "Ecole_maternelle",
                                              "Ecole_elementaire",
                                              "Voie_generale",
                                              "Voie_technologique",
                                              "Voie_professionnelle",
                                              "Telephone",
                                              "Fax",
                                              "Web",
                                              "Mail",
                                              "Restauration",
                                              "Hebergement",
                                              "ULIS",
                                              "Apprentissage",
                                              "Segpa",
                                              "Section_arts",
                                              "Section_cinema",
                                              "Section_theatre",
                                              "Section_sport",
                                              "Section_internationale",
                                              "Section_europeenne",
                                              "Lycee_Agricole",
                                              "Lycee_militaire",
                                              "Lycee_des_metiers",
                                              "Post_BAC",
                                              "Appartenance_Education_Prioritaire",
                                              "GRETA",
                                              "SIREN_SIRET",
                                              "Nombre_d_eleves",
                                              "Fiche_onisep",
                                              "position",
                                              "type_contrat_prive",
                                              "Libelle_departement",
                                              "Libelle_academie",
                                              "Libelle_region",
                                              "coordX_origine",
                                              "coordY_origine",
                                              "epsg_origine",
                                              "nom_circonscription",
                                              "latitude",
                                              "longitude",
                                              "precision_localisation",
                                              "date_ouverture",
                                              "date_maj_ligne",
                                              "etat",
                                              "ministere_tutelle",
                                              "multi_uai",
                                              "rpi_concentre",
                                              "rpi_disperse",
                                              "code_nature",
                                              "libelle_nature",
                                              "Code_type_contrat_prive",
                                              "PIAL",
                                              "etablissement_mere",
                                              "type_rattachement_etablissement_mere",
                                              "code_circonscription",
                                              "code_zone_animation_pedagogique",
                                              "libelle_zone_animation_pedagogique",
                                              "code_bassin_formation",
                                              "libelle_bassin_formation",
                                              NULL};
enum { ANNUAIRE_COLS = 72 };

/* A field of a ';' file (quoted when it holds ';', a quote or a line break). */
static void semi_field(FILE *f, int first, const char *s)
{
    if (!first)
        putc(';', f);
    if (!s || !*s)
        return;
    if (!strpbrk(s, ";\"\n\r")) {
        fputs(s, f);
        return;
    }
    putc('"', f);
    for (; *s; s++) {
        if (*s == '"')
            putc('"', f);
        putc(*s, f);
    }
    putc('"', f);
}

/* @in (UTF-8) in Windows-1252 into @out, as a French Excel saves a sheet: Latin-1 letters,
 * and the typographic apostrophe, dash and oe ligature Windows-1252 adds; anything else '?'. */
static void cp1252(const char *in, char *out, size_t size)
{
    size_t o = 0;
    const unsigned char *p = (const unsigned char *)in;
    while (*p && o + 1 < size) {
        if ((*p == 0xC2 || *p == 0xC3) && p[1]) {
            out[o++] = (char)(*p == 0xC3 ? p[1] + 0x40 : p[1]);
            p += 2;
        } else if (*p == 0xE2 && p[1] == 0x80 && (p[2] == 0x99 || p[2] == 0x93)) {
            out[o++] = p[2] == 0x99 ? '\x92' : '\x96';
            p += 3;
        } else if (*p == 0xC5 && (p[1] == 0x93 || p[1] == 0x92)) {
            out[o++] = p[1] == 0x93 ? '\x9c' : '\x8c';
            p += 2;
        } else if (*p < 0x80) {
            out[o++] = (char)*p++;
        } else {
            out[o++] = '?';
            p++;
            while ((*p & 0xC0) == 0x80)
                p++;
        }
    }
    out[o] = '\0';
}

/* A new Annuaire file at @path, its byte order mark and header written; NULL (said) when it
 * cannot be made. */
static FILE *annuaire_open(const char *path)
{
    FILE *f = fopen(path, "wb");
    if (!f) {
        fprintf(stderr, "pn-generate: cannot open '%s': %s\n", path, strerror(errno));
        return NULL;
    }
    fputs("\xEF\xBB\xBF", f);
    for (int c = 0; ANNUAIRE_HEADER[c]; c++)
        semi_field(f, c == 0, ANNUAIRE_HEADER[c]);
    fputs("\r\n", f);
    return f;
}

/* One Annuaire line of a school: @cells by column, the rest empty. */
static void annuaire_line(FILE *f, const char *const *cells)
{
    for (int c = 0; c < ANNUAIRE_COLS; c++)
        semi_field(f, c == 0, cells[c]);
    fputs("\r\n", f);
}

static void annuaire_school(FILE *f, rng *r, const char *uai, const char *name, int type, int town,
                            int rep, const char *state)
{
    const char *cells[ANNUAIRE_COLS] = {0};
    char lat[32], lon[32], mail[64], street[96];
    double dlat = (rng_unit(r) - 0.5) * 0.02, dlon = (rng_unit(r) - 0.5) * 0.03;
    snprintf(lat, sizeof lat, "%.6f", TOWN_PLACE[town].lat + dlat);
    snprintf(lon, sizeof lon, "%.6f", TOWN_PLACE[town].lon + dlon);
    snprintf(mail, sizeof mail, "ce.%c%.7s@ac-versailles.fr", uai[0], uai + 1);
    for (char *p = mail; *p; p++)
        if (*p >= 'A' && *p <= 'Z')
            *p = (char)(*p - 'A' + 'a');
    snprintf(street, sizeof street, "%u rue %s", 1 + rng_below(r, 80),
             EPONYM[rng_below(r, sizeof EPONYM / sizeof EPONYM[0])]);
    cells[0] = uai;
    cells[1] = name;
    cells[2] = type == 3 ? "Coll\xc3\xa8ge" : "Ecole";
    cells[3] = "Public";
    cells[4] = street;
    cells[7] = TOWN_PLACE[town].postcode;
    cells[8] = TOWNS[town].code;
    cells[9] = TOWNS[town].name;
    cells[10] = "095";
    cells[11] = "25";
    cells[12] = "11";
    cells[13] = type == 0 || type == 2 ? "1" : "0";
    cells[14] = type == 1 || type == 2 ? "1" : "0";
    cells[21] = mail;
    cells[37] = rep == 0 ? "REP+" : rep == 1 ? "REP" : "";
    cells[44] = "Val-d'Oise";
    cells[45] = "Versailles";
    cells[46] = "Ile-de-France";
    cells[49] = "EPSG:2154";
    cells[51] = lat;
    cells[52] = lon;
    cells[53] = "Num\xc3\xa9ro de rue";
    cells[56] = state;
    cells[57] = "MINISTERE DE L'EDUCATION NATIONALE";
    annuaire_line(f, cells);
}

/* sirene.csv: INSEE's geolocated Sirene file for the centres of the list (DOMAIN.md §2), their
 * places in Lambert-93 (EPSG:2154, converted by PROJ from illustrative WGS 84 places near their
 * towns), and establishments of elsewhere that the registry does not hold. */
static int write_sirene(const char *dir, const world *w, rng *r)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/sirene.csv", dir);
    PJ_CONTEXT *ctx = proj_context_create();
    PJ *raw = ctx ? proj_create_crs_to_crs(ctx, "EPSG:4326", "EPSG:2154", NULL) : NULL;
    PJ *pj = raw ? proj_normalize_for_visualization(ctx, raw) : NULL;
    FILE *f = pj ? fopen(path, "wb") : NULL;
    int rc = 0;
    if (!f) {
        fprintf(stderr, "pn-generate: cannot write '%s' (PROJ: %s)\n", path,
                pj ? strerror(errno) : "no transformation to EPSG:2154");
        rc = 1;
        goto out;
    }
    fputs("siret;x;y;qualite_xy;epsg;plg_qp24;plg_iris;plg_code_commune;y_latitude;x_longitude\n",
          f);
    for (int i = 0; i < w->ncentres + 20; i++) {
        char siret[15], x[32], y[32], lat[32], lon[32];
        int town = i < w->ncentres ? w->centres[i].town : i % NTOWNS;
        if (i < w->ncentres)
            snprintf(siret, sizeof siret, "%s", w->centres[i].siret);
        else
            make_siret(900000u + (uint32_t)i, siret); /* an establishment of elsewhere */
        double la = TOWN_PLACE[town].lat + (rng_unit(r) - 0.5) * 0.02;
        double lo = TOWN_PLACE[town].lon + (rng_unit(r) - 0.5) * 0.03;
        PJ_COORD c = proj_trans(pj, PJ_FWD, proj_coord(lo, la, 0, 0));
        snprintf(x, sizeof x, "%.1f", c.xy.x);
        snprintf(y, sizeof y, "%.1f", c.xy.y);
        snprintf(lat, sizeof lat, "%.6f", la);
        snprintf(lon, sizeof lon, "%.6f", lo);
        const char *cells[] = {siret,  x,
                               y,      "11",
                               "2154", i < w->ncentres ? w->centres[i].qpv_code : "",
                               "",     TOWNS[town].code,
                               lat,    lon};
        for (int k = 0; k < 10; k++)
            semi_field(f, k == 0, cells[k]);
        putc('\n', f);
    }
    rc = ferror(f) | (fclose(f) != 0);
out:
    proj_destroy(pj);
    proj_destroy(raw);
    if (ctx)
        proj_context_destroy(ctx);
    return rc;
}

/* The registry files of the examples (DOMAIN.md §2): annuaire.csv, the Annuaire's schools of
 * the 32 towns (the schools of the world, answering or not, but five; some on two lines, a few
 * closed);
 * centres.csv, the federation's list of its centres sociaux, as a French Excel saves it
 * (Windows-1252, ';', CRLF), the commune by its name, one centre forgotten; qpv.csv, the QPV of the
 * towns. Drawn from a stream of their own, so that the answers' files stay as they were. */
static int write_registry(const char *dir, const world *w)
{
    rng r = {0x7265676973747279ULL}; /* "registry" */
    char path[4096];
    int rc = 0;
    snprintf(path, sizeof path, "%s/annuaire.csv", dir);
    FILE *f = annuaire_open(path);
    if (!f)
        return 1;
    for (int i = 0; i < w->nschools; i++) {
        const school *s = &w->schools[i];
        if (i % 97 == 13)
            continue; /* a few missing, as a year-old extract misses new schools: the answers
                         name them, and `structures` lists them to be added */
        annuaire_school(f, &r, s->uai, s->name, s->type, s->town, s->rep, "OUVERT");
        if (rng_chance(&r, 0.03)) /* a school on two lines, as the export has some */
            annuaire_school(f, &r, s->uai, s->name, s->type, s->town, s->rep, "OUVERT");
    }
    for (int t = 0; t < NTOWNS; t += 8) { /* closed schools, left aside by the import */
        char uai[9];
        make_uai("095", 9000u + (unsigned)t, uai);
        annuaire_school(f, &r, uai,
                        "Ecole primaire ferm\xc3\xa9"
                        "e",
                        2, t, 2, "A FERMER");
    }
    rc |= ferror(f) | (fclose(f) != 0);

    snprintf(path, sizeof path, "%s/centres.csv", dir);
    if (!(f = fopen(path, "wb"))) {
        fprintf(stderr, "pn-generate: cannot open '%s': %s\n", path, strerror(errno));
        return 1;
    }
    fputs("SIRET;Nom du centre;Adresse;Code postal;Commune;Courriel\r\n", f);
    for (int i = 0; i < w->ncentres; i++) {
        const centre *c = &w->centres[i];
        char street[96], mail[128];
        if (i == 40)
            continue; /* one the federation's list forgot */
        snprintf(street, sizeof street, "%u avenue %s", 1 + rng_below(&r, 60),
                 EPONYM[rng_below(&r, sizeof EPONYM / sizeof EPONYM[0])]);
        snprintf(mail, sizeof mail, "accueil.%s%d@centres-sociaux95.fr", TOWNS[c->town].slug, i);
        char name1252[192], street1252[96], town[96];
        cp1252(c->name, name1252, sizeof name1252);
        cp1252(street, street1252, sizeof street1252);
        cp1252(TOWNS[c->town].name, town, sizeof town);
        const char *cells[] = {c->siret, name1252, street1252, TOWN_PLACE[c->town].postcode,
                               town,     mail};
        for (int k = 0; k < 6; k++)
            semi_field(f, k == 0, cells[k]);
        fputs("\r\n", f);
    }
    rc |= ferror(f) | (fclose(f) != 0);

    snprintf(path, sizeof path, "%s/qpv.csv", dir);
    if (!(f = fopen(path, "wb"))) {
        fprintf(stderr, "pn-generate: cannot open '%s': %s\n", path, strerror(errno));
        return 1;
    }
    fputs("code_qp;lib_qp;insee_com;lib_com\n", f);
    for (int t = 0; t < NTOWNS; t++) {
        /* the codes the structures of the town give, each once */
        char seen[64][12];
        int nseen = 0;
        for (int i = 0; i < w->nschools + w->ncentres && nseen < 64; i++) {
            const char *code =
                i < w->nschools ? w->schools[i].qpv_code : w->centres[i - w->nschools].qpv_code;
            int town = i < w->nschools ? w->schools[i].town : w->centres[i - w->nschools].town;
            if (town != t || !*code)
                continue;
            int k = 0;
            while (k < nseen && strcmp(seen[k], code) != 0)
                k++;
            if (k < nseen)
                continue;
            snprintf(seen[nseen++], 12, "%s", code);
            char label[128];
            snprintf(label, sizeof label, "Quartier %s %d", TOWNS[t].name, nseen);
            const char *cells[] = {code, label, TOWNS[t].code, TOWNS[t].name};
            for (int c = 0; c < 4; c++)
                semi_field(f, c == 0, cells[c]);
            putc('\n', f);
        }
    }
    rc |= ferror(f) | (fclose(f) != 0);
    if (rc == 0)
        rc = write_sirene(dir, w, &r);
    if (rc)
        fprintf(stderr, "pn-generate: cannot write the registry files in '%s'\n", dir);
    return rc;
}

static int run_examples(const char *dir)
{
    rng r = {0x70616e6f72616d61ULL}; /* "panorama" */
    world *w = calloc(1, sizeof *w);
    csv_out cm = {0}, cp = {0}, em = {0}, ep = {0};
    long bad_line[3] = {0, 0, 0};
    int i, k, rc = 1;
    long n_centre = 0, n_cpart = 0, n_school = 0, n_spart = 0;

    if (!w) {
        fprintf(stderr, "pn-generate: out of memory\n");
        return 1;
    }
    build_world(w, &r);
    if (out_open(&cm, dir, "centre_social.csv") ||
        out_open(&cp, dir, "centre_social-partenaires.csv") || out_open(&em, dir, "ecole.csv") ||
        out_open(&ep, dir, "ecole-partenaires.csv"))
        goto out;
    out_header(&cm, CENTRE_HEADER);
    out_header(&cp, PARTNER_HEADER);
    out_header(&em, ECOLE_HEADER);
    out_header(&ep, PARTNER_HEADER);

    for (i = 0; i < w->ncentres; i++) {
        const centre *c = &w->centres[i];
        char domain[96];
        submission s;
        if (!c->responds)
            continue;
        snprintf(domain, sizeof domain, "cs-%s.example.org", TOWNS[c->town].slug);
        s.net = NET_CENTRE;
        s.name = c->name;
        s.id = c->siret;
        s.school_type = -1;
        s.commune = i == w->bad_centre ? "95100" : TOWNS[c->town].code;
        s.en_qpv = c->en_qpv;
        s.code_qpv = rng_chance(&r, 0.25) ? "" : c->qpv_code;
        s.rep = c->rep;
        s.works = c->works;
        s.domain = domain;
        s.key = c->key;
        s.first_day = 1;
        if (i == w->bad_centre)
            bad_line[0] = cm.line + 1;
        write_submission(&cm, &r, &s);
        n_centre++;
        for (k = 0; k < c->nreports; k++) {
            const world_link *l = &w->links[c->reports[k]];
            const school *sc = &w->schools[l->school];
            partner_view p;
            p.partner_id = sc->uai;
            p.partner_name = written_name(&r, sc->name, sc->short_name);
            p.college = sc->type == 3;
            p.bad_year = c->reports[k] == w->bad_link;
            if (p.bad_year)
                bad_line[2] = cp.line + 1;
            write_partner(&cp, &r, c->key, k + 1, NET_CENTRE, &l->nature, &p);
            n_cpart++;
        }
    }

    for (i = 0; i < w->nschools; i++) {
        const school *sc = &w->schools[i];
        char domain[96], uai[9];
        submission s;
        if (!sc->responds)
            continue;
        snprintf(domain, sizeof domain, "ac-versailles.example.org");
        if (sc->bad_uai) {
            /* The respondent dropped the fifth character. */
            memcpy(uai, sc->uai, 4);
            memcpy(uai + 4, sc->uai + 5, 4);
        } else {
            memcpy(uai, sc->uai, 9);
        }
        s.net = NET_ECOLE;
        s.name = sc->name;
        s.id = uai;
        s.school_type = sc->type;
        s.commune = TOWNS[sc->town].code;
        s.en_qpv = sc->en_qpv;
        s.code_qpv = rng_chance(&r, 0.3) ? "" : sc->qpv_code;
        s.rep = rng_chance(&r, 0.04) ? -1 : sc->rep;
        s.works = sc->works;
        s.domain = domain;
        s.key = sc->key;
        s.first_day = 6;
        if (sc->bad_uai)
            bad_line[1] = em.line + 1;
        write_submission(&em, &r, &s);
        n_school++;
        for (k = 0; k < sc->nreports; k++) {
            const world_link *l = &w->links[sc->reports[k]];
            const centre *c = &w->centres[l->centre];
            partner_view p;
            p.partner_id = c->siret;
            p.partner_name = written_name(&r, c->name, c->short_name);
            p.college = sc->type == 3;
            p.bad_year = 0;
            write_partner(&ep, &r, sc->key, k + 1, NET_ECOLE, &l->nature, &p);
            n_spart++;
        }
    }
    rc = write_registry(dir, w);
out:
    if (out_close(&cm) | out_close(&cp) | out_close(&em) | out_close(&ep))
        rc = 1; /* '|', not '||': every file is closed whatever happened to the others */
    if (rc == 0) {
        printf("pn-generate: %s: %ld centres sociaux (%ld partner entries), %ld schools (%ld "
               "partner entries)\n",
               dir, n_centre, n_cpart, n_school, n_spart);
        printf("pn-generate: deliberate bad rows: centre_social.csv:%ld (commune 95100), "
               "ecole.csv:%ld (UAI of 7 characters), centre_social-partenaires.csv:%ld "
               "(annee_debut 2031)\n",
               bad_line[0], bad_line[1], bad_line[2]);
    }
    free(w);
    return rc;
}

/* ---------------------------------------------------------------- national scale */

/* Département codes: 96 of metropolitan France (2A, 2B for Corsica) and 5 overseas. */
static void dept_code(int d, char code[16], char uai3[16])
{
    static const char *const overseas[] = {"971", "972", "973", "974", "976"};
    if (d < 96) {
        int n = d < 19 ? d + 1 : d < 21 ? 20 : d + 0; /* 01..19, 2A, 2B, 21..95 */
        if (d == 19) {
            snprintf(code, 16, "2A");
            snprintf(uai3, 16, "620");
        } else if (d == 20) {
            snprintf(code, 16, "2B");
            snprintf(uai3, 16, "720");
        } else {
            snprintf(code, 16, "%02d", n);
            snprintf(uai3, 16, "0%02d", n);
        }
    } else {
        snprintf(code, 16, "%s", overseas[d - 96]);
        snprintf(uai3, 16, "%s", overseas[d - 96]);
    }
}
enum { NDEPTS = 101 };

static unsigned gcd(unsigned a, unsigned b)
{
    while (b) {
        unsigned t = a % b;
        a = b;
        b = t;
    }
    return a;
}

/* Structures of a network in département d are d, d + NDEPTS, d + 2 NDEPTS... */
static unsigned in_dept(unsigned total, int d)
{
    return total > (unsigned)d ? (total - (unsigned)d + NDEPTS - 1) / NDEPTS : 0;
}

/* Splits links over n structures (about a tenth take part in none), each at most cap[i], so
 * that the counts add up to links exactly. Returns -1 if they cannot. */
static int spread_links(rng *r, long links, int *count, unsigned n, const unsigned *cap)
{
    unsigned i, working = 0;
    long sum = 0, diff, capacity = 0;
    char *works = malloc(n ? n : 1);
    if (!works)
        return -1;
    for (i = 0; i < n; i++) {
        works[i] = !rng_chance(r, 0.1) && cap[i] > 0;
        working += (unsigned)works[i];
        capacity += works[i] ? (long)cap[i] : 0;
    }
    if (capacity < links) {
        free(works);
        return -1;
    }
    for (i = 0; i < n; i++) {
        count[i] = 0;
        if (works[i]) {
            double avg = (double)links / working;
            long c = (long)(avg * (0.5 + rng_unit(r)));
            count[i] = (int)(c > (long)cap[i] ? (long)cap[i] : c);
        }
        sum += count[i];
    }
    diff = links - sum;
    for (i = 0; diff != 0; i = (i + 1) % n) {
        if (diff > 0 && works[i] && count[i] < (int)cap[i]) {
            count[i]++;
            diff--;
        } else if (diff < 0 && count[i] > 0) {
            count[i]--;
            diff++;
        }
    }
    free(works);
    return 0;
}

static void national_name(enum network net, unsigned idx, int *type, char *out, size_t size)
{
    rng h = {0x6e616d6573ULL ^ ((uint64_t)idx << 1) ^ (uint64_t)net};
    if (net == NET_CENTRE) {
        unsigned kind = rng_below(&h, 2);
        *type = -1;
        snprintf(out, size, "%s %s", CENTRE_KIND[kind], CENTRE_NAME[rng_below(&h, NCENTRE_NAME)]);
    } else {
        *type = rng_pick(&h, TYPE_W, 4);
        snprintf(out, size, "%s %s", TYPE_LONG[*type], EPONYM[rng_below(&h, NEPONYM)]);
    }
}

static void national_id(enum network net, unsigned idx, char *out)
{
    char code[16], uai3[16];
    if (net == NET_CENTRE) {
        make_siret(5000000u + idx, out);
    } else {
        dept_code((int)(idx % NDEPTS), code, uai3);
        make_uai(uai3, 1000 + idx / NDEPTS, out);
    }
}

/* Writes one network's two files: each structure's submission, then its partner entries. */
static int national_network(const char *dir, enum network net, unsigned nself, unsigned nother,
                            long links, rng *r, long *rows, long *entries)
{
    csv_out m = {0}, p = {0};
    int *count = calloc(nself, sizeof *count);
    unsigned *cap = calloc(nself, sizeof *cap);
    unsigned i;
    int rc = 1;
    const char *mname = net == NET_CENTRE ? "centre_social.csv" : "ecole.csv";
    const char *pname =
        net == NET_CENTRE ? "centre_social-partenaires.csv" : "ecole-partenaires.csv";

    if (!count || !cap) {
        fprintf(stderr, "pn-generate: out of memory\n");
        goto out;
    }
    for (i = 0; i < nself; i++)
        cap[i] = in_dept(nother, (int)(i % NDEPTS));
    if (spread_links(r, links, count, nself, cap)) {
        fprintf(stderr, "pn-generate: %ld links do not fit between %u and %u structures\n", links,
                nself, nother);
        goto out;
    }
    if (out_open(&m, dir, mname) || out_open(&p, dir, pname))
        goto out;
    out_header(&m, net == NET_CENTRE ? CENTRE_HEADER : ECOLE_HEADER);
    out_header(&p, PARTNER_HEADER);

    for (i = 0; i < nself; i++) {
        char name[128], id[16], key[48], code[16], uai3[16], qpv[32], domain[64];
        int d = (int)(i % NDEPTS), type, k;
        unsigned ncand = cap[i], start, stride;
        submission s;
        link_context ctx;

        dept_code(d, code, uai3);
        national_name(net, i, &type, name, sizeof name);
        national_id(net, i, id);
        make_uuid(r, key);
        s.net = net;
        s.name = name;
        s.id = id;
        s.school_type = type;
        s.commune = TOWNS[i % NTOWNS].code;
        s.en_qpv = rng_chance(r, 0.55);
        qpv[0] = '\0';
        if (s.en_qpv && uai3[0] != '6' && uai3[0] != '7' && rng_chance(r, 0.7)) {
            unsigned number = 1 + rng_below(r, 40);
            snprintf(qpv, sizeof qpv, "QN%s%02u%c", uai3, number,
                     "ABCDEFGHJKLMNPRSTUVWXYZ"[rng_below(r, 23)]);
        }
        s.code_qpv = qpv;
        ctx.qpv = s.en_qpv;
        ctx.rep = net == NET_ECOLE ? s.en_qpv && rng_chance(r, 0.7) : s.en_qpv;
        s.rep = rng_chance(r, 0.05) ? -1
                : ctx.rep           ? (rng_chance(r, 0.4) ? REP_PLUS : REP_REP)
                                    : REP_HORS;
        ctx.cite = s.en_qpv && rng_chance(r, 0.3);
        ctx.college = type == 3;
        s.works = count[i] > 0;
        snprintf(domain, sizeof domain, "%s-d%s.example.org", net == NET_CENTRE ? "cs" : "ac",
                 code);
        s.domain = domain;
        s.key = key;
        s.first_day = (int)(i % 10);
        write_submission(&m, r, &s);
        (*rows)++;

        if (!count[i])
            continue;
        /* Distinct partners of the same département: start + t * stride, stride coprime. */
        start = rng_below(r, ncand);
        stride = 1 + rng_below(r, ncand);
        while (ncand > 1 && gcd(stride, ncand) != 1)
            stride = stride % ncand + 1;
        for (k = 0; k < count[i]; k++) {
            unsigned other = (unsigned)d + NDEPTS * ((start + (unsigned)k * stride) % ncand);
            char pid[16], pnm[192];
            int ptype;
            link_nature l;
            partner_view pv;
            national_id(net == NET_CENTRE ? NET_ECOLE : NET_CENTRE, other, pid);
            national_name(net == NET_CENTRE ? NET_ECOLE : NET_CENTRE, other, &ptype, pnm,
                          sizeof pnm);
            if (net == NET_CENTRE)
                ctx.college = ptype == 3;
            nature_make(r, &ctx, &l);
            pv.partner_id = pid;
            if (rng_chance(r, 0.5)) { /* respondents often add the town */
                size_t len = strlen(pnm);
                snprintf(pnm + len, sizeof pnm - len, " (%s)", TOWNS[other % NTOWNS].name);
            }
            pv.partner_name = rng_chance(r, 0.9) ? pnm : "";
            pv.college = ctx.college;
            pv.bad_year = 0;
            write_partner(&p, r, key, k + 1, net, &l, &pv);
            (*entries)++;
        }
    }
    rc = 0;
out:
    if (out_close(&m) | out_close(&p))
        rc = 1;
    free(count);
    free(cap);
    return rc;
}

static int run_national(const char *dir, long links)
{
    rng r = {0x6e6174696f6e616cULL}; /* "national" */
    long scale = links > 1000000 ? (links + 999999) / 1000000 : 1;
    unsigned ncentres = (unsigned)(10000 * scale), nschools = (unsigned)(25000 * scale);
    long rows_c = 0, rows_s = 0, ent_c = 0, ent_s = 0;
    if (national_network(dir, NET_CENTRE, ncentres, nschools, links / 2, &r, &rows_c, &ent_c) ||
        national_network(dir, NET_ECOLE, nschools, ncentres, links - links / 2, &r, &rows_s,
                         &ent_s))
        return 1;
    printf("pn-generate: %s: %ld centres sociaux (%ld partner entries), %ld schools (%ld "
           "partner entries)\n",
           dir, rows_c, ent_c, rows_s, ent_s);
    return 0;
}

/* ---------------------------------------------------------------- main */

/* The whole Annuaire's size: @n schools over the départements 001 to 095 (the towns' names
 * cycling), each UAI valid; for the registry's bench. */
static int run_annuaire(const char *path, long n)
{
    rng r = {0x616e6e7561697265ULL}; /* "annuaire" */
    FILE *f = annuaire_open(path);
    if (!f)
        return 1;
    for (long i = 0; i < n; i++) {
        char dept[4], uai[9], name[96];
        snprintf(dept, sizeof dept, "%03ld", 1 + i % 95);
        make_uai(dept, (unsigned)(i / 95), uai);
        int type = (int)rng_below(&r, 4);
        snprintf(name, sizeof name, "%s %s", TYPE_LONG[type],
                 EPONYM[rng_below(&r, sizeof EPONYM / sizeof EPONYM[0])]);
        annuaire_school(f, &r, uai, name, type, (int)(i % NTOWNS), (int)rng_below(&r, 4), "OUVERT");
    }
    int bad = ferror(f) | (fclose(f) != 0);
    if (bad)
        fprintf(stderr, "pn-generate: cannot write '%s'\n", path);
    return bad;
}

static void usage(FILE *f)
{
    fprintf(f, "usage: pn-generate examples DIR\n"
               "       pn-generate national DIR [LINKS]\n"
               "       pn-generate annuaire FILE [SCHOOLS]\n"
               "Writes centre_social.csv, centre_social-partenaires.csv, ecole.csv and\n"
               "ecole-partenaires.csv into DIR (which must exist; the examples also the registry\n"
               "files annuaire.csv, centres.csv and qpv.csv). LINKS defaults to 1000000.\n"
               "annuaire: a national-size Annuaire de l'education export of SCHOOLS schools\n"
               "(default 65000) into FILE.\n");
}

int main(int argc, char **argv)
{
    int rc;
    if (argc == 2 && (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0)) {
        usage(stdout);
        return 0;
    }
    if (argc == 3 && strcmp(argv[1], "examples") == 0) {
        rc = run_examples(argv[2]);
    } else if ((argc == 3 || argc == 4) && strcmp(argv[1], "national") == 0) {
        long links = 1000000;
        if (argc == 4) {
            char *end;
            errno = 0;
            links = strtol(argv[3], &end, 10);
            if (errno || *end || end == argv[3] || links < 0 || links > 30000000) {
                fprintf(stderr,
                        "pn-generate: LINKS must be a whole number from 0 to 30000000, "
                        "not '%s'\n",
                        argv[3]);
                return EXIT_USAGE;
            }
        }
        rc = run_national(argv[2], links);
    } else if ((argc == 3 || argc == 4) && strcmp(argv[1], "annuaire") == 0) {
        long n = argc == 4 ? strtol(argv[3], NULL, 10) : 65000;
        if (n < 1 || n > 1000000) {
            fprintf(stderr, "pn-generate: SCHOOLS must be a whole number from 1 to 1000000\n");
            return EXIT_USAGE;
        }
        rc = run_annuaire(argv[2], n);
    } else {
        usage(stderr);
        return EXIT_USAGE;
    }
    if (fflush(stdout) != 0)
        rc = 1;
    return rc;
}
