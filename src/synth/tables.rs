//! The embedded reference data: names, communes, streets, email providers,
//! nicknames, and the sampling tables built from them once per process.
//!
//! Lists are in rough frequency order (INSEE name statistics, commune
//! populations); a Zipf-like weight `1 / (rank + 3)^s` turns the order into a
//! frequency. The exponent is kept low on purpose: a steep curve would give
//! the first names of the list far more bearers than they have. Most French
//! family names come from the composed long tail of `surname_tail.rs`
//! instead: a few hundred names cannot stand for the 1.3 million France has.
//!
//! Every string here is representable in Windows-1252, because the store
//! export is written in that encoding.

use std::sync::OnceLock;

use rand::Rng;

use super::surname_tail::SurnameTail;

/// Which naming tradition a household draws from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Origin {
    French,
    Portuguese,
    Maghrebi,
    Other,
}

pub(crate) const FR_FEMALE: &[&str] = &[
    "Marie",
    "Nathalie",
    "Isabelle",
    "Sylvie",
    "Catherine",
    "Martine",
    "Christine",
    "Françoise",
    "Valérie",
    "Sandrine",
    "Stéphanie",
    "Véronique",
    "Sophie",
    "Céline",
    "Chantal",
    "Patricia",
    "Anne",
    "Brigitte",
    "Julie",
    "Monique",
    "Aurélie",
    "Nicole",
    "Laurence",
    "Émilie",
    "Caroline",
    "Camille",
    "Léa",
    "Manon",
    "Chloé",
    "Emma",
    "Sarah",
    "Virginie",
    "Jacqueline",
    "Hélène",
    "Pascale",
    "Dominique",
    "Michèle",
    "Annie",
    "Corinne",
    "Audrey",
    "Florence",
    "Laetitia",
    "Mélanie",
    "Élodie",
    "Delphine",
    "Karine",
    "Séverine",
    "Cécile",
    "Charlotte",
    "Pauline",
    "Marine",
    "Mathilde",
    "Claire",
    "Lucie",
    "Louise",
    "Alice",
    "Inès",
    "Jade",
    "Clara",
    "Zoé",
    "Anaïs",
    "Océane",
    "Juliette",
    "Margaux",
    "Élise",
    "Agnès",
    "Béatrice",
    "Fabienne",
    "Nadine",
    "Danielle",
    "Colette",
    "Denise",
    "Josiane",
    "Ginette",
    "Odile",
    "Geneviève",
    "Yvette",
    "Jeanne",
    "Simone",
    "Madeleine",
    "Suzanne",
    "Paulette",
    "Gisèle",
    "Jocelyne",
    "Évelyne",
    "Claudine",
    "Muriel",
    "Carole",
    "Agathe",
    "Estelle",
    "Gaëlle",
    "Maëlle",
    "Maëlys",
    "Noémie",
    "Solène",
    "Morgane",
    "Justine",
    "Amandine",
    "Coralie",
    "Jessica",
    "Vanessa",
    "Elsa",
    "Ambre",
    "Rose",
    "Anna",
    "Mila",
    "Romane",
    "Eva",
    "Lola",
    "Adèle",
    "Héloïse",
    "Lina",
    "Léna",
    "Capucine",
    "Éloïse",
    "Mireille",
    "Thérèse",
    "Bernadette",
    "Frédérique",
    "Claude",
    "Christelle",
    "Emmanuelle",
    "Alexandra",
    "Élisabeth",
    "Marion",
    "Laura",
    "Perrine",
    "Gwendoline",
    "Nolwenn",
    "Bérénice",
    "Axelle",
    "Clémence",
    "Lou",
    "Victoire",
    "Hortense",
    "Ophélie",
    "Cindy",
    "Angélique",
    "Sabine",
    "Régine",
    "Lydie",
    "Myriam",
    "Ghislaine",
];

pub(crate) const FR_FEMALE_COMPOUND: &[&str] = &[
    "Marie-Claire",
    "Marie-Christine",
    "Anne-Sophie",
    "Marie-Thérèse",
    "Anne-Marie",
    "Marie-Hélène",
    "Marie-France",
    "Marie-Laure",
    "Anne-Laure",
    "Marie-Pierre",
    "Marie-Anne",
    "Marie-Noëlle",
    "Marie-José",
    "Anne-Claire",
    "Marie-Line",
    "Marie-Agnès",
    "Marie-Odile",
    "Marie-Paule",
    "Marie-Ange",
    "Lou-Anne",
];

pub(crate) const FR_MALE: &[&str] = &[
    "Jean",
    "Pierre",
    "Michel",
    "Philippe",
    "Alain",
    "Nicolas",
    "Patrick",
    "Christophe",
    "Stéphane",
    "Frédéric",
    "Laurent",
    "Éric",
    "David",
    "Julien",
    "Thomas",
    "Sébastien",
    "Olivier",
    "Daniel",
    "Bernard",
    "Jacques",
    "Christian",
    "François",
    "Thierry",
    "Pascal",
    "Dominique",
    "Didier",
    "Bruno",
    "Gérard",
    "Serge",
    "Vincent",
    "Franck",
    "Emmanuel",
    "Guillaume",
    "Maxime",
    "Alexandre",
    "Antoine",
    "Romain",
    "Kévin",
    "Jérôme",
    "Benoît",
    "Cédric",
    "Fabrice",
    "Hervé",
    "Yves",
    "André",
    "René",
    "Claude",
    "Louis",
    "Hugo",
    "Lucas",
    "Gabriel",
    "Léo",
    "Raphaël",
    "Arthur",
    "Jules",
    "Adam",
    "Nathan",
    "Théo",
    "Paul",
    "Noah",
    "Tom",
    "Enzo",
    "Mathis",
    "Clément",
    "Baptiste",
    "Quentin",
    "Florian",
    "Mathieu",
    "Damien",
    "Ludovic",
    "Anthony",
    "Jonathan",
    "Grégory",
    "Arnaud",
    "Xavier",
    "Gilles",
    "Denis",
    "Marc",
    "Luc",
    "Joël",
    "Gilbert",
    "Roger",
    "Henri",
    "Marcel",
    "Georges",
    "Raymond",
    "Robert",
    "Lionel",
    "Yannick",
    "Loïc",
    "Gaël",
    "Mickaël",
    "Jérémy",
    "Cyril",
    "Matthieu",
    "Benjamin",
    "Samuel",
    "Simon",
    "Valentin",
    "Victor",
    "Martin",
    "Aurélien",
    "Rémi",
    "Timothée",
    "Bastien",
    "Axel",
    "Noé",
    "Ethan",
    "Sacha",
    "Alexis",
    "Guy",
    "Francis",
    "Roland",
    "Maurice",
    "Lucien",
    "Régis",
    "Hugues",
    "Étienne",
    "Gaëtan",
    "Jordan",
    "Dylan",
    "Corentin",
    "Adrien",
    "Erwan",
    "Killian",
    "Evan",
    "Nolan",
    "Timéo",
    "Aymeric",
    "Charles",
    "Édouard",
    "Hubert",
    "Bertrand",
    "Sylvain",
    "Fabien",
    "Jérémie",
    "Joseph",
    "Albert",
    "Gérald",
    "Marius",
];

pub(crate) const FR_MALE_COMPOUND: &[&str] = &[
    "Jean-François",
    "Jean-Pierre",
    "Jean-Luc",
    "Jean-Marc",
    "Jean-Claude",
    "Jean-Michel",
    "Jean-Paul",
    "Jean-Louis",
    "Jean-Yves",
    "Jean-Philippe",
    "Jean-Christophe",
    "Jean-Baptiste",
    "Jean-Jacques",
    "Jean-Marie",
    "Pierre-Yves",
    "Paul-Henri",
    "Jean-Charles",
    "Pierre-Alexandre",
    "Jean-Noël",
    "Marc-Antoine",
];

const PT_MALE: &[&str] = &[
    "João",
    "José",
    "António",
    "Manuel",
    "Carlos",
    "Paulo",
    "Fernando",
    "Luís",
    "Rui",
    "Nuno",
    "Jorge",
    "Miguel",
    "Francisco",
    "Joaquim",
    "Mário",
    "Tiago",
    "Ricardo",
    "Sérgio",
    "Vítor",
    "Diogo",
];
const PT_FEMALE: &[&str] = &[
    "Maria",
    "Ana",
    "Fátima",
    "Conceição",
    "Isabel",
    "Rosa",
    "Paula",
    "Sandra",
    "Cristina",
    "Teresa",
    "Graça",
    "Helena",
    "Lúcia",
    "Sónia",
    "Joana",
    "Inês",
    "Catarina",
    "Mariana",
    "Rita",
    "Filipa",
];
const MAG_MALE: &[&str] = &[
    "Mohamed", "Ahmed", "Karim", "Rachid", "Mehdi", "Sofiane", "Yanis", "Amine", "Nabil", "Farid",
    "Samir", "Mourad", "Youssef", "Bilal", "Hamza", "Ilyes", "Kamel", "Saïd", "Abdel", "Omar",
    "Walid", "Hicham", "Khaled", "Ayoub", "Rayan", "Nassim", "Redouane", "Djamel",
];
const MAG_FEMALE: &[&str] = &[
    "Fatima", "Nadia", "Samira", "Yasmina", "Leïla", "Karima", "Malika", "Naïma", "Sonia",
    "Myriam", "Amel", "Sabrina", "Rachida", "Souad", "Imane", "Sarah", "Inès", "Lina", "Yasmine",
    "Nour", "Meriem", "Dounia", "Salma", "Kenza", "Hanane", "Aïcha", "Khadija", "Zineb",
];
const OTHER_MALE: &[&str] = &[
    "Mamadou",
    "Moussa",
    "Ibrahima",
    "Ousmane",
    "Abdoulaye",
    "Cheikh",
    "Boubacar",
    "Minh",
    "Anh",
    "Duc",
    "Tuan",
    "Marco",
    "Giuseppe",
    "Antonio",
    "Luca",
    "Alessandro",
    "Juan",
    "Javier",
    "Pablo",
    "Piotr",
    "Tomasz",
    "Krzysztof",
    "Aram",
    "Dimitri",
    "Ivan",
    "Mehmet",
    "Kenji",
    "Wei",
];
const OTHER_FEMALE: &[&str] = &[
    "Aminata",
    "Fatou",
    "Mariam",
    "Awa",
    "Aïssatou",
    "Kadiatou",
    "Linh",
    "Mai",
    "Lan",
    "Giulia",
    "Francesca",
    "Chiara",
    "Elena",
    "Carmen",
    "Lucia",
    "Pilar",
    "Rocío",
    "Agnieszka",
    "Katarzyna",
    "Ewa",
    "Anahit",
    "Natalia",
    "Olga",
    "Elif",
    "Mei",
    "Yuki",
];

pub(crate) const FR_FAMILY: &[&str] = &[
    "Martin",
    "Bernard",
    "Thomas",
    "Petit",
    "Robert",
    "Richard",
    "Durand",
    "Dubois",
    "Moreau",
    "Laurent",
    "Simon",
    "Michel",
    "Lefebvre",
    "Leroy",
    "Roux",
    "David",
    "Bertrand",
    "Morel",
    "Fournier",
    "Girard",
    "Bonnet",
    "Dupont",
    "Lambert",
    "Fontaine",
    "Rousseau",
    "Vincent",
    "Muller",
    "Lefèvre",
    "Faure",
    "André",
    "Mercier",
    "Blanc",
    "Guérin",
    "Boyer",
    "Garnier",
    "Chevalier",
    "François",
    "Legrand",
    "Gauthier",
    "Garcia",
    "Perrin",
    "Robin",
    "Clément",
    "Morin",
    "Nicolas",
    "Henry",
    "Roussel",
    "Mathieu",
    "Gautier",
    "Masson",
    "Marchand",
    "Duval",
    "Denis",
    "Dumont",
    "Marie",
    "Lemaire",
    "Noël",
    "Meyer",
    "Dufour",
    "Meunier",
    "Brun",
    "Blanchard",
    "Giraud",
    "Joly",
    "Rivière",
    "Lucas",
    "Brunet",
    "Gaillard",
    "Barbier",
    "Arnaud",
    "Martinez",
    "Gérard",
    "Roche",
    "Renard",
    "Schmitt",
    "Roy",
    "Leroux",
    "Colin",
    "Vidal",
    "Caron",
    "Picard",
    "Roger",
    "Fabre",
    "Aubert",
    "Lemoine",
    "Renaud",
    "Dumas",
    "Lacroix",
    "Olivier",
    "Philippe",
    "Bourgeois",
    "Pierre",
    "Benoît",
    "Rey",
    "Leclerc",
    "Payet",
    "Rolland",
    "Leclercq",
    "Guillaume",
    "Lecomte",
    "Lopez",
    "Jean",
    "Dupuy",
    "Guillot",
    "Hubert",
    "Berger",
    "Carpentier",
    "Sanchez",
    "Dupuis",
    "Moulin",
    "Louis",
    "Deschamps",
    "Huet",
    "Vasseur",
    "Perez",
    "Boucher",
    "Fleury",
    "Royer",
    "Klein",
    "Jacquet",
    "Adam",
    "Paris",
    "Poirier",
    "Marty",
    "Aubry",
    "Guyot",
    "Carré",
    "Charles",
    "Renault",
    "Charpentier",
    "Ménard",
    "Maillard",
    "Baron",
    "Bertin",
    "Bailly",
    "Hervé",
    "Schneider",
    "Fernandez",
    "Collet",
    "Léger",
    "Bouvier",
    "Julien",
    "Prévost",
    "Millet",
    "Perrot",
    "Daniel",
    "Cousin",
    "Germain",
    "Breton",
    "Besson",
    "Langlois",
    "Rémy",
    "Pelletier",
    "Lévêque",
    "Perrier",
    "Leblanc",
    "Barré",
    "Lebrun",
    "Marchal",
    "Weber",
    "Mallet",
    "Hamon",
    "Boulanger",
    "Jacob",
    "Monnier",
    "Michaud",
    "Rodriguez",
    "Guichard",
    "Gillet",
    "Étienne",
    "Grondin",
    "Poulain",
    "Tessier",
    "Chevallier",
    "Collin",
    "Chauvin",
    "Bouchet",
    "Gay",
    "Lemaître",
    "Bénard",
    "Maréchal",
    "Humbert",
    "Reynaud",
    "Antoine",
    "Hoarau",
    "Perret",
    "Barthélemy",
    "Cordier",
    "Pichon",
    "Lejeune",
    "Gilbert",
    "Lamy",
    "Delaunay",
    "Pasquier",
    "Carlier",
    "Laporte",
    "Gros",
    "Buisson",
    "Sauvage",
    "Guillou",
    "Lemaitre",
    "Texier",
    "Hamel",
    "Dupré",
    "Rault",
    "Delmas",
    "Joubert",
    "Hardy",
    "Lebon",
    "Gaudin",
    "Gallet",
    "Fouquet",
    "Vallée",
    "Courtois",
    "Bousquet",
    "Marchetti",
    "Riviere",
    "Bonneau",
    "Tanguy",
    "Morvan",
    "Ollivier",
    "Jourdan",
    "Navarro",
    "Martel",
    "Lambertin",
    "Descamps",
    "Verdier",
    "Chauvet",
    "Leduc",
    "Barre",
    "Laine",
    "Raynaud",
    "Girault",
    "Mouton",
    "Benard",
    "Tournier",
    "Bigot",
    "Ferrand",
    "Camus",
    "Bonnin",
    "Maury",
    "Lacoste",
    "Bourdon",
    "Pons",
    "Briand",
    "Devaux",
    "Thibault",
    "Blondel",
    "Bodin",
    "Auger",
    "Hénon",
    "Josse",
    "Grenier",
    "Ricard",
    "Delattre",
    "Lesage",
    "Chartier",
    "Coste",
    "Salmon",
    "Cuvelier",
    "Baudry",
    "Leveque",
    "Régnier",
    "Ferré",
    "Thierry",
    "Peltier",
    "Bouvet",
    "Chapuis",
    "Launay",
    "Labbé",
    "Jacques",
    "Moine",
    "Delahaye",
    "Parent",
    "Mathis",
    "Bazin",
    "Drouet",
    "Forestier",
    "Chrétien",
    "Hoareau",
    "Rigaud",
    "Poulet",
    "Lefort",
    "Pineau",
    "Delorme",
    "Chevrier",
    "Besnard",
    "Boutin",
    "Caillaud",
    "Favre",
    "Lemonnier",
    "Fabré",
    "Godard",
    "Marteau",
    "Sabatier",
    "Séguin",
    "Vial",
    "Gosselin",
    "Jolivet",
    "Bocquet",
    "Pottier",
    "Hébert",
    "Turpin",
];

/// Family names with a particle or an article, the case normalizers must
/// handle: `de la Fontaine`, `Le Gall`, `d'Arras`.
pub(crate) const PARTICLE_FAMILY: &[&str] = &[
    "Le Gall",
    "Le Goff",
    "Le Roux",
    "Le Bihan",
    "Le Guen",
    "Le Floch",
    "Le Corre",
    "Le Berre",
    "de la Fontaine",
    "Le Moal",
    "Le Meur",
    "du Pont",
    "de Villiers",
    "Le Borgne",
    "Le Bras",
    "de la Tour",
    "du Bois",
    "d'Arras",
    "de Montfort",
    "du Moulin",
    "de la Motte",
    "de la Roche",
    "du Plessis",
    "de Beaumont",
    "d'Aubigny",
    "Le Brun",
    "Le Clerc",
    "de Castelnau",
    "d'Harcourt",
    "de Lattre",
    "La Salle",
    "de Sainte-Marie",
    "Le Gac",
    "de Vaucelles",
    "du Mesnil",
];

const PT_FAMILY: &[&str] = &[
    "Da Silva",
    "Dos Santos",
    "Ferreira",
    "Pereira",
    "Rodrigues",
    "Fernandes",
    "Gonçalves",
    "Lopes",
    "Martins",
    "De Oliveira",
    "Teixeira",
    "Carvalho",
    "De Sousa",
    "Ribeiro",
    "Gomes",
    "Alves",
    "Da Costa",
    "Pinto",
    "Mendes",
    "Monteiro",
    "Soares",
    "Marques",
    "Cardoso",
    "Nunes",
    "Correia",
    "Moreira",
    "Rocha",
    "D'Almeida",
    "Vieira",
    "Pires",
    "Azevedo",
    "Magalhães",
    "Simões",
    "Fonseca",
    "Coelho",
    "Araújo",
];
const MAG_FAMILY: &[&str] = &[
    "Benali",
    "Haddad",
    "Mansouri",
    "Belkacem",
    "Bouzid",
    "Cherif",
    "Amrani",
    "El Amrani",
    "Benmoussa",
    "Saïdi",
    "Aït Ahmed",
    "Boudjema",
    "Benamar",
    "Hamidi",
    "Khelifi",
    "Brahimi",
    "Meziane",
    "Zeroual",
    "Bensaïd",
    "Touati",
    "Rahmani",
    "Benyahia",
    "Chaoui",
    "Djebbar",
    "Bouaziz",
    "El Idrissi",
    "Ouali",
    "Lahlou",
    "Ben Salah",
    "Kaci",
    "Larbi",
    "Messaoudi",
    "Yahiaoui",
    "Ziani",
    "Belhadj",
    "Ferhat",
    "Naït Ali",
    "Boukhris",
];
const OTHER_FAMILY: &[&str] = &[
    "Nguyen",
    "Tran",
    "Diallo",
    "Traoré",
    "Diop",
    "Ndiaye",
    "Le",
    "Pham",
    "Koné",
    "Camara",
    "Rossi",
    "Cohen",
    "Lévy",
    "Sow",
    "Cissé",
    "Coulibaly",
    "Keita",
    "Hoang",
    "Russo",
    "Ferrari",
    "Esposito",
    "Gonzalez",
    "Gomez",
    "Kowalski",
    "Nowak",
    "Petrossian",
    "Manoukian",
    "Yilmaz",
    "Kaya",
    "Öztürk",
    "Zhang",
    "Wang",
    "Chen",
    "Bianchi",
    "Romano",
    "Vo",
    "Ba",
    "Kaminski",
];

/// Nicknames and short forms call-centre agents write down as heard.
pub(crate) const NICKNAMES: &[(&str, &str)] = &[
    ("Frédéric", "Fred"),
    ("Emmanuel", "Manu"),
    ("Jean-François", "J-F"),
    ("Jean-Pierre", "J-P"),
    ("Jean-Claude", "J-C"),
    ("Jean-Baptiste", "J-B"),
    ("Jean-Marc", "J-M"),
    ("Christophe", "Chris"),
    ("Alexandre", "Alex"),
    ("Alexandra", "Alex"),
    ("Nicolas", "Nico"),
    ("Maxime", "Max"),
    ("Sébastien", "Seb"),
    ("Stéphane", "Steph"),
    ("Stéphanie", "Steph"),
    ("Thomas", "Tom"),
    ("Philippe", "Phil"),
    ("Catherine", "Cathy"),
    ("Isabelle", "Isa"),
    ("Valérie", "Val"),
    ("Élisabeth", "Babeth"),
    ("Dominique", "Dom"),
    ("Nathalie", "Nath"),
    ("Caroline", "Caro"),
    ("Patrick", "Pat"),
    ("Benjamin", "Ben"),
    ("Mohamed", "Momo"),
    ("Anthony", "Tony"),
    ("Grégory", "Greg"),
    ("Mathieu", "Mat"),
    ("Matthieu", "Mat"),
    ("Jérémy", "Jérem"),
    ("Virginie", "Virgi"),
    ("Aurélien", "Aurel"),
    ("Marie-Christine", "Marie-Chris"),
    ("Laurence", "Laure"),
    ("Joseph", "Jo"),
    ("Josiane", "Jo"),
];

/// A commune (or a Paris, Lyon, Marseille arrondissement) with one of its
/// postcodes.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Commune {
    pub postcode: &'static str,
    pub name: &'static str,
    /// Inhabitants served by this postcode: the sampling weight.
    pub inhabitants: u32,
    /// The arrondissement number for Paris, Lyon and Marseille, else 0.
    pub arrondissement: u8,
}

/// The geography: every metropolitan and overseas (Guadeloupe, Martinique,
/// Guyane, La Réunion) commune with at least 1,000 inhabitants per postcode,
/// some 10,000 rows on 5,300 postcodes for 59M inhabitants, from INSEE's and
/// La Poste's open data (`data/communes.py` says where from and how to
/// regenerate it). The whole country rather than its big towns keeps the
/// density of namesakes per postcode real at any sample size: on the 233 big
/// towns of the first table, 10M records put a third of Montpellier's
/// inhabitants on one postcode.
/// Leading-zero postcodes (`01000`) are kept: spreadsheets drop the zero and
/// the matcher must cope.
const COMMUNES_TSV: &str = include_str!("data/communes.tsv");

/// The communes of a table like `COMMUNES_TSV`, in its order. A line that
/// does not parse is left out (`communes_table_parses_whole` checks there
/// are none).
fn parse_communes(tsv: &'static str) -> Vec<Commune> {
    tsv.lines()
        .filter(|line| !line.starts_with('#') && !line.is_empty())
        .filter_map(|line| {
            let mut fields = line.split('\t');
            let postcode = fields.next()?;
            let name = fields.next()?;
            let inhabitants = fields.next()?.parse().ok()?;
            let arrondissement = fields.next()?.parse().ok()?;
            (fields.next().is_none() && postcode.len() == 5).then_some(Commune {
                postcode,
                name,
                inhabitants,
                arrondissement,
            })
        })
        .collect()
}

/// Street types: the full form and the abbreviations cashiers and customers use.
pub(crate) const STREET_TYPES: &[(&str, &[&str])] = &[
    ("rue", &["r.", "r", "rue"]),
    ("avenue", &["av.", "av", "ave"]),
    ("boulevard", &["bd", "bd.", "boul."]),
    ("place", &["pl.", "pl"]),
    ("allée", &["all.", "allee"]),
    ("chemin", &["ch.", "chem."]),
    ("impasse", &["imp.", "imp"]),
    ("route", &["rte", "rte."]),
    ("quai", &["quai"]),
    ("cours", &["crs"]),
    ("square", &["sq."]),
    ("résidence", &["rés.", "res"]),
    ("faubourg", &["fbg", "fg"]),
];
/// Relative frequency of each street type (same order as `STREET_TYPES`).
const STREET_TYPE_WEIGHTS: &[f64] = &[
    50.0, 15.0, 8.0, 4.0, 5.0, 6.0, 4.0, 4.0, 1.0, 1.0, 1.0, 1.0, 0.5,
];

pub(crate) const STREET_NAMES: &[&str] = &[
    "de la Paix",
    "Victor Hugo",
    "Jean Jaurès",
    "du Général de Gaulle",
    "de la République",
    "Pasteur",
    "des Lilas",
    "du Moulin",
    "de l'Église",
    "de la Gare",
    "Gambetta",
    "Voltaire",
    "Jules Ferry",
    "Foch",
    "du Château",
    "des Écoles",
    "de Verdun",
    "Émile Zola",
    "Carnot",
    "Saint-Martin",
    "de la Liberté",
    "du 8 Mai 1945",
    "du 11 Novembre",
    "Anatole France",
    "Louis Pasteur",
    "Jean Moulin",
    "Aristide Briand",
    "de Paris",
    "des Roses",
    "des Acacias",
    "du Stade",
    "de la Mairie",
    "Nationale",
    "des Tilleuls",
    "du Marché",
    "Molière",
    "Georges Clemenceau",
    "Paul Bert",
    "de Bretagne",
    "Henri Barbusse",
    "Pierre Curie",
    "Marie Curie",
    "du Maréchal Leclerc",
    "des Peupliers",
    "des Chênes",
    "de Lattre de Tassigny",
    "de la Libération",
    "des Jardins",
    "du Port",
    "de la Fontaine",
    "des Vignes",
    "Sadi Carnot",
    "Lamartine",
    "Alsace-Lorraine",
    "de Strasbourg",
    "Jean-Baptiste Clément",
    "des Prés",
    "de Normandie",
    "du Commerce",
    "Saint-Exupéry",
    "Léon Blum",
    "Condorcet",
    "Nationale 7",
    "des Cerisiers",
    "de la Croix",
    "Saint-Jacques",
    "des Mimosas",
    "du Parc",
    "Danton",
    "de Provence",
    "des Bleuets",
    "Hoche",
];

/// Email providers by share among French consumers (rough).
pub(crate) const PROVIDERS: &[(&str, f64)] = &[
    ("gmail.com", 36.0),
    ("orange.fr", 13.0),
    ("hotmail.fr", 10.0),
    ("free.fr", 7.0),
    ("yahoo.fr", 6.0),
    ("laposte.net", 5.0),
    ("sfr.fr", 5.0),
    ("wanadoo.fr", 4.0),
    ("outlook.fr", 4.0),
    ("hotmail.com", 3.0),
    ("icloud.com", 3.0),
    ("live.fr", 2.0),
    ("bbox.fr", 1.0),
    ("neuf.fr", 1.0),
];

/// Placeholder emails cashiers type when the customer has none or will not say.
pub(crate) const PLACEHOLDER_EMAILS: &[&str] = &[
    "pasdemail@magasin.fr",
    "pasdemail@magasin.fr",
    "aucun@aucun.fr",
    "no@mail.com",
    "nepasecrire@magasin.fr",
];

/// A cumulative weight table for O(log n) weighted sampling.
#[derive(Debug, Clone)]
pub(crate) struct Weighted {
    cumulative: Vec<f64>,
}

impl Weighted {
    pub fn new(weights: impl IntoIterator<Item = f64>) -> Self {
        let mut total = 0.0;
        let cumulative = weights
            .into_iter()
            .map(|w| {
                total += w.max(0.0);
                total
            })
            .collect();
        Weighted { cumulative }
    }

    /// Zipf-like weights for a list in frequency order.
    pub fn zipf(len: usize, exponent: f64) -> Self {
        Weighted::new((0..len).map(|i| 1.0 / ((i + 3) as f64).powf(exponent)))
    }

    /// An index drawn with probability proportional to its weight; 0 for an
    /// empty or all-zero table (callers never build one).
    pub fn sample<R: Rng + ?Sized>(&self, rng: &mut R) -> usize {
        let total = self.cumulative.last().copied().unwrap_or(0.0);
        if total <= 0.0 {
            return 0;
        }
        let x = rng.random::<f64>() * total;
        self.cumulative
            .partition_point(|&c| c <= x)
            .min(self.cumulative.len() - 1)
    }
}

/// A name list with its sampling table.
#[derive(Debug)]
pub(crate) struct NameList {
    pub names: &'static [&'static str],
    pub weights: Weighted,
}

impl NameList {
    fn new(names: &'static [&'static str], exponent: f64) -> Self {
        NameList {
            names,
            weights: Weighted::zipf(names.len(), exponent),
        }
    }

    pub fn sample<R: Rng + ?Sized>(&self, rng: &mut R) -> &'static str {
        self.names
            .get(self.weights.sample(rng))
            .copied()
            .unwrap_or("Martin")
    }
}

/// Every sampling table, built once per process.
#[derive(Debug)]
pub(crate) struct Tables {
    pub fr_female: NameList,
    pub fr_female_compound: NameList,
    pub fr_male: NameList,
    pub fr_male_compound: NameList,
    pub fr_family: NameList,
    /// The long tail of French family names (`surname_tail.rs`).
    pub fr_family_tail: SurnameTail,
    pub particle_family: NameList,
    foreign: [(NameList, NameList, NameList); 3],
    pub communes: Vec<Commune>,
    pub metro_communes: Weighted,
    /// Indexes into `communes` of the overseas ones, with their weights.
    pub overseas_communes: Vec<usize>,
    pub overseas_weights: Weighted,
    pub street_types: Weighted,
    pub street_names: Weighted,
    pub providers: Weighted,
}

impl Tables {
    /// The given-name list for an origin and sex (French lists for `French`).
    pub fn given(&self, origin: Origin, female: bool) -> &NameList {
        match (origin, female) {
            (Origin::French, true) => &self.fr_female,
            (Origin::French, false) => &self.fr_male,
            (o, true) => &self.foreign[foreign_index(o)].1,
            (o, false) => &self.foreign[foreign_index(o)].0,
        }
    }

    /// The family-name list of a non-French origin.
    pub fn family(&self, origin: Origin) -> &NameList {
        match origin {
            Origin::French => &self.fr_family,
            o => &self.foreign[foreign_index(o)].2,
        }
    }

    pub fn commune(&self, index: u16) -> &Commune {
        // Indexes only ever come from this table; fall back to the first.
        self.communes
            .get(index as usize)
            .unwrap_or(&self.communes[0])
    }
}

fn foreign_index(origin: Origin) -> usize {
    match origin {
        Origin::Portuguese => 0,
        Origin::Maghrebi => 1,
        _ => 2,
    }
}

/// The process-wide tables.
pub(crate) fn tables() -> &'static Tables {
    static TABLES: OnceLock<Tables> = OnceLock::new();
    TABLES.get_or_init(|| {
        // Metropolitan communes first: `metro_communes` samples their indexes.
        let (mut communes, overseas): (Vec<Commune>, Vec<Commune>) = parse_communes(COMMUNES_TSV)
            .into_iter()
            .partition(|c| Territory::of_postcode(c.postcode) == Territory::Metro);
        let weight = |c: &Commune| f64::from(c.inhabitants);
        let metro_communes = Weighted::new(communes.iter().map(weight));
        let overseas_communes = (communes.len()..communes.len() + overseas.len()).collect();
        let overseas_weights = Weighted::new(overseas.iter().map(weight));
        communes.extend(overseas);
        Tables {
            fr_female: NameList::new(FR_FEMALE, 0.9),
            fr_female_compound: NameList::new(FR_FEMALE_COMPOUND, 0.8),
            fr_male: NameList::new(FR_MALE, 0.9),
            fr_male_compound: NameList::new(FR_MALE_COMPOUND, 0.8),
            fr_family: NameList::new(FR_FAMILY, 0.55),
            fr_family_tail: SurnameTail::new(),
            particle_family: NameList::new(PARTICLE_FAMILY, 0.5),
            foreign: [
                (
                    NameList::new(PT_MALE, 0.8),
                    NameList::new(PT_FEMALE, 0.8),
                    NameList::new(PT_FAMILY, 0.6),
                ),
                (
                    NameList::new(MAG_MALE, 0.8),
                    NameList::new(MAG_FEMALE, 0.8),
                    NameList::new(MAG_FAMILY, 0.5),
                ),
                (
                    NameList::new(OTHER_MALE, 0.6),
                    NameList::new(OTHER_FEMALE, 0.6),
                    NameList::new(OTHER_FAMILY, 0.5),
                ),
            ],
            communes,
            metro_communes,
            overseas_communes,
            overseas_weights,
            street_types: Weighted::new(STREET_TYPE_WEIGHTS.iter().copied()),
            street_names: Weighted::zipf(STREET_NAMES.len(), 0.5),
            providers: Weighted::new(PROVIDERS.iter().map(|p| p.1)),
        }
    })
}

/// The nickname of a given name, if agents commonly use one.
pub(crate) fn nickname(given: &str) -> Option<&'static str> {
    NICKNAMES
        .iter()
        .find(|(full, nick)| *full == given && full != nick)
        .map(|(_, nick)| *nick)
}

/// The overseas territory of a postcode, if any.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) enum Territory {
    Metro,
    Guadeloupe,
    Martinique,
    Guyane,
    Reunion,
}

impl Territory {
    pub fn of_postcode(postcode: &str) -> Territory {
        match postcode.get(..3) {
            Some("971") => Territory::Guadeloupe,
            Some("972") => Territory::Martinique,
            Some("973") => Territory::Guyane,
            Some("974") => Territory::Reunion,
            _ => Territory::Metro,
        }
    }

    /// The international calling code.
    pub fn calling_code(self) -> u16 {
        match self {
            Territory::Metro => 33,
            Territory::Guadeloupe => 590,
            Territory::Martinique => 596,
            Territory::Guyane => 594,
            Territory::Reunion => 262,
        }
    }
}

/// The landline zone digit of a metropolitan département (01 Île-de-France,
/// 02 north-west, 03 north-east, 04 south-east, 05 south-west).
pub(crate) fn landline_zone(postcode: &str) -> u8 {
    let dept: u8 = postcode.get(..2).and_then(|d| d.parse().ok()).unwrap_or(75);
    match dept {
        75 | 77 | 78 | 91..=95 => 1,
        14 | 18 | 22 | 27 | 28 | 29 | 35 | 36 | 37 | 41 | 44 | 45 | 49 | 50 | 53 | 56 | 61 | 72
        | 76 | 85 => 2,
        2
        | 8
        | 10
        | 21
        | 25
        | 39
        | 51
        | 52
        | 54
        | 55
        | 57..=60
        | 62
        | 67
        | 68
        | 70
        | 71
        | 80
        | 88..=90 => 3,
        9
        | 12
        | 16
        | 17
        | 19
        | 23
        | 24
        | 31..=33
        | 40
        | 46
        | 47
        | 64
        | 65
        | 79
        | 81
        | 82
        | 86
        | 87 => 5,
        _ => 4,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn communes_table_parses_whole() {
        let rows = COMMUNES_TSV
            .lines()
            .filter(|line| !line.starts_with('#') && !line.is_empty())
            .count();
        let communes = parse_communes(COMMUNES_TSV);
        assert_eq!(communes.len(), rows, "a line of communes.tsv did not parse");
        assert!(communes.len() > 10_000);
        assert!(
            communes
                .iter()
                .all(|c| c.postcode.bytes().all(|b| b.is_ascii_digit()) && c.inhabitants >= 1000)
        );
        let inhabitants: u64 = communes.iter().map(|c| u64::from(c.inhabitants)).sum();
        assert!(
            (50_000_000..70_000_000).contains(&inhabitants),
            "{inhabitants}"
        );
        let paris: Vec<u8> = communes
            .iter()
            .filter(|c| c.name == "Paris")
            .map(|c| c.arrondissement)
            .collect();
        assert_eq!(
            paris.len(),
            21,
            "20 arrondissements, the 16th on two postcodes"
        );
        assert!((1..=20).all(|n| paris.contains(&n)));
        for territory in ["971", "972", "973", "974"] {
            assert!(communes.iter().any(|c| c.postcode.starts_with(territory)));
        }
    }

    #[test]
    fn malformed_commune_lines_are_left_out() {
        let communes = parse_communes(
            "# header\n01000\tBourg-en-Bresse\t41000\t0\n0100\tShort\t1\t0\nx\n75001\tParis\tmany\t1\n",
        );
        assert_eq!(communes.len(), 1);
        assert_eq!(communes[0].name, "Bourg-en-Bresse");
        assert_eq!(communes[0].inhabitants, 41000);
    }
}
