//! The embedded reference data: names, communes, streets, email providers,
//! nicknames, and the sampling tables built from them once per process.
//!
//! Lists are in rough frequency order (INSEE name statistics, commune
//! populations); a Zipf-like weight `1 / (rank + 3)^s` turns the order into a
//! frequency. The exponent is kept low on purpose: a few hundred names stand
//! for the hundreds of thousands France really has, and a steep curve would
//! make namesakes far more common than they are.
//!
//! Every string here is representable in Windows-1252, because the store
//! export is written in that encoding.

use std::sync::OnceLock;

use rand::Rng;

/// Which naming tradition a household draws from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Origin {
    French,
    Portuguese,
    Maghrebi,
    Other,
}

pub(crate) const FR_FEMALE: &[&str] = &[
    "Marie", "Nathalie", "Isabelle", "Sylvie", "Catherine", "Martine", "Christine", "Françoise",
    "Valérie", "Sandrine", "Stéphanie", "Véronique", "Sophie", "Céline", "Chantal", "Patricia",
    "Anne", "Brigitte", "Julie", "Monique", "Aurélie", "Nicole", "Laurence", "Émilie", "Caroline",
    "Camille", "Léa", "Manon", "Chloé", "Emma", "Sarah", "Virginie", "Jacqueline", "Hélène",
    "Pascale", "Dominique", "Michèle", "Annie", "Corinne", "Audrey", "Florence", "Laetitia",
    "Mélanie", "Élodie", "Delphine", "Karine", "Séverine", "Cécile", "Charlotte", "Pauline",
    "Marine", "Mathilde", "Claire", "Lucie", "Louise", "Alice", "Inès", "Jade", "Clara", "Zoé",
    "Anaïs", "Océane", "Juliette", "Margaux", "Élise", "Agnès", "Béatrice", "Fabienne", "Nadine",
    "Danielle", "Colette", "Denise", "Josiane", "Ginette", "Odile", "Geneviève", "Yvette",
    "Jeanne", "Simone", "Madeleine", "Suzanne", "Paulette", "Gisèle", "Jocelyne", "Évelyne",
    "Claudine", "Muriel", "Carole", "Agathe", "Estelle", "Gaëlle", "Maëlle", "Maëlys", "Noémie",
    "Solène", "Morgane", "Justine", "Amandine", "Coralie", "Jessica", "Vanessa", "Elsa", "Ambre",
    "Rose", "Anna", "Mila", "Romane", "Eva", "Lola", "Adèle", "Héloïse", "Lina", "Léna",
    "Capucine", "Éloïse", "Mireille", "Thérèse", "Bernadette", "Frédérique", "Claude",
    "Christelle", "Emmanuelle", "Alexandra", "Élisabeth", "Marion", "Laura", "Perrine",
    "Gwendoline", "Nolwenn", "Bérénice", "Axelle", "Clémence", "Lou", "Victoire", "Hortense",
    "Ophélie", "Cindy", "Angélique", "Sabine", "Régine", "Lydie", "Myriam", "Ghislaine",
];

pub(crate) const FR_FEMALE_COMPOUND: &[&str] = &[
    "Marie-Claire", "Marie-Christine", "Anne-Sophie", "Marie-Thérèse", "Anne-Marie",
    "Marie-Hélène", "Marie-France", "Marie-Laure", "Anne-Laure", "Marie-Pierre", "Marie-Anne",
    "Marie-Noëlle", "Marie-José", "Anne-Claire", "Marie-Line", "Marie-Agnès", "Marie-Odile",
    "Marie-Paule", "Marie-Ange", "Lou-Anne",
];

pub(crate) const FR_MALE: &[&str] = &[
    "Jean", "Pierre", "Michel", "Philippe", "Alain", "Nicolas", "Patrick", "Christophe",
    "Stéphane", "Frédéric", "Laurent", "Éric", "David", "Julien", "Thomas", "Sébastien", "Olivier",
    "Daniel", "Bernard", "Jacques", "Christian", "François", "Thierry", "Pascal", "Dominique",
    "Didier", "Bruno", "Gérard", "Serge", "Vincent", "Franck", "Emmanuel", "Guillaume", "Maxime",
    "Alexandre", "Antoine", "Romain", "Kévin", "Jérôme", "Benoît", "Cédric", "Fabrice", "Hervé",
    "Yves", "André", "René", "Claude", "Louis", "Hugo", "Lucas", "Gabriel", "Léo", "Raphaël",
    "Arthur", "Jules", "Adam", "Nathan", "Théo", "Paul", "Noah", "Tom", "Enzo", "Mathis",
    "Clément", "Baptiste", "Quentin", "Florian", "Mathieu", "Damien", "Ludovic", "Anthony",
    "Jonathan", "Grégory", "Arnaud", "Xavier", "Gilles", "Denis", "Marc", "Luc", "Joël", "Gilbert",
    "Roger", "Henri", "Marcel", "Georges", "Raymond", "Robert", "Lionel", "Yannick", "Loïc",
    "Gaël", "Mickaël", "Jérémy", "Cyril", "Matthieu", "Benjamin", "Samuel", "Simon", "Valentin",
    "Victor", "Martin", "Aurélien", "Rémi", "Timothée", "Bastien", "Axel", "Noé", "Ethan",
    "Sacha", "Alexis", "Guy", "Francis", "Roland", "Maurice", "Lucien", "Régis", "Hugues",
    "Étienne", "Gaëtan", "Jordan", "Dylan", "Corentin", "Adrien", "Erwan", "Killian", "Evan",
    "Nolan", "Timéo", "Aymeric", "Charles", "Édouard", "Hubert", "Bertrand", "Sylvain", "Fabien",
    "Jérémie", "Joseph", "Albert", "Gérald", "Marius",
];

pub(crate) const FR_MALE_COMPOUND: &[&str] = &[
    "Jean-François", "Jean-Pierre", "Jean-Luc", "Jean-Marc", "Jean-Claude", "Jean-Michel",
    "Jean-Paul", "Jean-Louis", "Jean-Yves", "Jean-Philippe", "Jean-Christophe", "Jean-Baptiste",
    "Jean-Jacques", "Jean-Marie", "Pierre-Yves", "Paul-Henri", "Jean-Charles", "Pierre-Alexandre",
    "Jean-Noël", "Marc-Antoine",
];

const PT_MALE: &[&str] = &[
    "João", "José", "António", "Manuel", "Carlos", "Paulo", "Fernando", "Luís", "Rui", "Nuno",
    "Jorge", "Miguel", "Francisco", "Joaquim", "Mário", "Tiago", "Ricardo", "Sérgio", "Vítor",
    "Diogo",
];
const PT_FEMALE: &[&str] = &[
    "Maria", "Ana", "Fátima", "Conceição", "Isabel", "Rosa", "Paula", "Sandra", "Cristina",
    "Teresa", "Graça", "Helena", "Lúcia", "Sónia", "Joana", "Inês", "Catarina", "Mariana", "Rita",
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
    "Mamadou", "Moussa", "Ibrahima", "Ousmane", "Abdoulaye", "Cheikh", "Boubacar", "Minh", "Anh",
    "Duc", "Tuan", "Marco", "Giuseppe", "Antonio", "Luca", "Alessandro", "Juan", "Javier", "Pablo",
    "Piotr", "Tomasz", "Krzysztof", "Aram", "Dimitri", "Ivan", "Mehmet", "Kenji", "Wei",
];
const OTHER_FEMALE: &[&str] = &[
    "Aminata", "Fatou", "Mariam", "Awa", "Aïssatou", "Kadiatou", "Linh", "Mai", "Lan", "Giulia",
    "Francesca", "Chiara", "Elena", "Carmen", "Lucia", "Pilar", "Rocío", "Agnieszka", "Katarzyna",
    "Ewa", "Anahit", "Natalia", "Olga", "Elif", "Mei", "Yuki",
];

pub(crate) const FR_FAMILY: &[&str] = &[
    "Martin", "Bernard", "Thomas", "Petit", "Robert", "Richard", "Durand", "Dubois", "Moreau",
    "Laurent", "Simon", "Michel", "Lefebvre", "Leroy", "Roux", "David", "Bertrand", "Morel",
    "Fournier", "Girard", "Bonnet", "Dupont", "Lambert", "Fontaine", "Rousseau", "Vincent",
    "Muller", "Lefèvre", "Faure", "André", "Mercier", "Blanc", "Guérin", "Boyer", "Garnier",
    "Chevalier", "François", "Legrand", "Gauthier", "Garcia", "Perrin", "Robin", "Clément",
    "Morin", "Nicolas", "Henry", "Roussel", "Mathieu", "Gautier", "Masson", "Marchand", "Duval",
    "Denis", "Dumont", "Marie", "Lemaire", "Noël", "Meyer", "Dufour", "Meunier", "Brun",
    "Blanchard", "Giraud", "Joly", "Rivière", "Lucas", "Brunet", "Gaillard", "Barbier", "Arnaud",
    "Martinez", "Gérard", "Roche", "Renard", "Schmitt", "Roy", "Leroux", "Colin", "Vidal", "Caron",
    "Picard", "Roger", "Fabre", "Aubert", "Lemoine", "Renaud", "Dumas", "Lacroix", "Olivier",
    "Philippe", "Bourgeois", "Pierre", "Benoît", "Rey", "Leclerc", "Payet", "Rolland", "Leclercq",
    "Guillaume", "Lecomte", "Lopez", "Jean", "Dupuy", "Guillot", "Hubert", "Berger", "Carpentier",
    "Sanchez", "Dupuis", "Moulin", "Louis", "Deschamps", "Huet", "Vasseur", "Perez", "Boucher",
    "Fleury", "Royer", "Klein", "Jacquet", "Adam", "Paris", "Poirier", "Marty", "Aubry", "Guyot",
    "Carré", "Charles", "Renault", "Charpentier", "Ménard", "Maillard", "Baron", "Bertin",
    "Bailly", "Hervé", "Schneider", "Fernandez", "Collet", "Léger", "Bouvier", "Julien",
    "Prévost", "Millet", "Perrot", "Daniel", "Cousin", "Germain", "Breton", "Besson", "Langlois",
    "Rémy", "Pelletier", "Lévêque", "Perrier", "Leblanc", "Barré", "Lebrun", "Marchal", "Weber",
    "Mallet", "Hamon", "Boulanger", "Jacob", "Monnier", "Michaud", "Rodriguez", "Guichard",
    "Gillet", "Étienne", "Grondin", "Poulain", "Tessier", "Chevallier", "Collin", "Chauvin",
    "Bouchet", "Gay", "Lemaître", "Bénard", "Maréchal", "Humbert", "Reynaud", "Antoine", "Hoarau",
    "Perret", "Barthélemy", "Cordier", "Pichon", "Lejeune", "Gilbert", "Lamy", "Delaunay",
    "Pasquier", "Carlier", "Laporte", "Gros", "Buisson", "Sauvage", "Guillou", "Lemaitre",
    "Texier", "Hamel", "Dupré", "Rault", "Delmas", "Joubert", "Hardy", "Lebon", "Gaudin",
    "Gallet", "Fouquet", "Vallée", "Courtois", "Bousquet", "Marchetti", "Riviere", "Bonneau",
    "Tanguy", "Morvan", "Ollivier", "Jourdan", "Navarro", "Martel", "Lambertin", "Descamps",
    "Verdier", "Chauvet", "Leduc", "Barre", "Laine", "Raynaud", "Girault", "Mouton", "Benard",
    "Tournier", "Bigot", "Ferrand", "Camus", "Bonnin", "Maury", "Lacoste", "Bourdon", "Pons",
    "Briand", "Devaux", "Thibault", "Blondel", "Bodin", "Auger", "Hénon", "Josse", "Grenier",
    "Ricard", "Delattre", "Lesage", "Chartier", "Coste", "Salmon", "Cuvelier", "Baudry", "Leveque",
    "Régnier", "Ferré", "Thierry", "Peltier", "Bouvet", "Chapuis", "Launay", "Labbé", "Jacques",
    "Moine", "Delahaye", "Parent", "Mathis", "Bazin", "Drouet", "Forestier", "Chrétien",
    "Hoareau", "Rigaud", "Poulet", "Lefort", "Pineau", "Delorme", "Chevrier",
    "Besnard", "Boutin", "Caillaud", "Favre", "Lemonnier", "Fabré", "Godard", "Marteau",
    "Sabatier", "Séguin", "Vial", "Gosselin", "Jolivet", "Bocquet", "Pottier", "Hébert", "Turpin",
];

/// Family names with a particle or an article, the case normalizers must
/// handle: `de la Fontaine`, `Le Gall`, `d'Arras`.
pub(crate) const PARTICLE_FAMILY: &[&str] = &[
    "Le Gall", "Le Goff", "Le Roux", "Le Bihan", "Le Guen", "Le Floch", "Le Corre", "Le Berre",
    "de la Fontaine", "Le Moal", "Le Meur", "du Pont", "de Villiers", "Le Borgne", "Le Bras",
    "de la Tour", "du Bois", "d'Arras", "de Montfort", "du Moulin", "de la Motte", "de la Roche",
    "du Plessis", "de Beaumont", "d'Aubigny", "Le Brun", "Le Clerc", "de Castelnau", "d'Harcourt",
    "de Lattre", "La Salle", "de Sainte-Marie", "Le Gac", "de Vaucelles", "du Mesnil",
];

const PT_FAMILY: &[&str] = &[
    "Da Silva", "Dos Santos", "Ferreira", "Pereira", "Rodrigues", "Fernandes", "Gonçalves",
    "Lopes", "Martins", "De Oliveira", "Teixeira", "Carvalho", "De Sousa", "Ribeiro", "Gomes",
    "Alves", "Da Costa", "Pinto", "Mendes", "Monteiro", "Soares", "Marques", "Cardoso", "Nunes",
    "Correia", "Moreira", "Rocha", "D'Almeida", "Vieira", "Pires", "Azevedo", "Magalhães", "Simões",
    "Fonseca", "Coelho", "Araújo",
];
const MAG_FAMILY: &[&str] = &[
    "Benali", "Haddad", "Mansouri", "Belkacem", "Bouzid", "Cherif", "Amrani", "El Amrani",
    "Benmoussa", "Saïdi", "Aït Ahmed", "Boudjema", "Benamar", "Hamidi", "Khelifi", "Brahimi",
    "Meziane", "Zeroual", "Bensaïd", "Touati", "Rahmani", "Benyahia", "Chaoui", "Djebbar",
    "Bouaziz", "El Idrissi", "Ouali", "Lahlou", "Ben Salah", "Kaci", "Larbi", "Messaoudi",
    "Yahiaoui", "Ziani", "Belhadj", "Ferhat", "Naït Ali", "Boukhris",
];
const OTHER_FAMILY: &[&str] = &[
    "Nguyen", "Tran", "Diallo", "Traoré", "Diop", "Ndiaye", "Le", "Pham", "Koné", "Camara",
    "Rossi", "Cohen", "Lévy", "Sow", "Cissé", "Coulibaly", "Keita", "Hoang", "Russo", "Ferrari",
    "Esposito", "Gonzalez", "Gomez", "Kowalski", "Nowak", "Petrossian", "Manoukian", "Yilmaz",
    "Kaya", "Öztürk", "Zhang", "Wang", "Chen", "Bianchi", "Romano", "Vo", "Ba", "Kaminski",
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

/// A commune (or a Paris, Lyon, Marseille arrondissement) with its postcode.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Commune {
    pub postcode: &'static str,
    pub name: &'static str,
    /// Population weight, thousands of inhabitants (rough).
    pub weight: f32,
    /// The arrondissement number for Paris, Lyon and Marseille, else 0.
    pub arrondissement: u8,
}

const fn c(postcode: &'static str, name: &'static str, weight: f32) -> Commune {
    Commune { postcode, name, weight, arrondissement: 0 }
}

const fn arr(postcode: &'static str, name: &'static str, weight: f32, n: u8) -> Commune {
    Commune { postcode, name, weight, arrondissement: n }
}

/// Metropolitan communes. Leading-zero postcodes (`01000`) are deliberate:
/// spreadsheets drop the zero and the matcher must cope.
const METRO_COMMUNES: &[Commune] = &[
    arr("75001", "Paris", 16.0, 1), arr("75002", "Paris", 21.0, 2), arr("75003", "Paris", 34.0, 3),
    arr("75004", "Paris", 28.0, 4), arr("75005", "Paris", 58.0, 5), arr("75006", "Paris", 41.0, 6),
    arr("75007", "Paris", 51.0, 7), arr("75008", "Paris", 36.0, 8), arr("75009", "Paris", 59.0, 9),
    arr("75010", "Paris", 86.0, 10), arr("75011", "Paris", 145.0, 11),
    arr("75012", "Paris", 140.0, 12), arr("75013", "Paris", 178.0, 13),
    arr("75014", "Paris", 134.0, 14), arr("75015", "Paris", 229.0, 15),
    arr("75016", "Paris", 162.0, 16), arr("75017", "Paris", 166.0, 17),
    arr("75018", "Paris", 192.0, 18), arr("75019", "Paris", 183.0, 19),
    arr("75020", "Paris", 192.0, 20),
    arr("69001", "Lyon", 30.0, 1), arr("69002", "Lyon", 30.0, 2), arr("69003", "Lyon", 100.0, 3),
    arr("69004", "Lyon", 35.0, 4), arr("69005", "Lyon", 48.0, 5), arr("69006", "Lyon", 52.0, 6),
    arr("69007", "Lyon", 85.0, 7), arr("69008", "Lyon", 86.0, 8), arr("69009", "Lyon", 51.0, 9),
    arr("13001", "Marseille", 40.0, 1), arr("13004", "Marseille", 48.0, 4),
    arr("13005", "Marseille", 45.0, 5), arr("13008", "Marseille", 80.0, 8),
    arr("13009", "Marseille", 76.0, 9), arr("13010", "Marseille", 56.0, 10),
    arr("13012", "Marseille", 62.0, 12), arr("13013", "Marseille", 92.0, 13),
    arr("13014", "Marseille", 62.0, 14), arr("13015", "Marseille", 77.0, 15),
    c("31000", "Toulouse", 250.0), c("31400", "Toulouse", 120.0), c("31200", "Toulouse", 100.0),
    c("06000", "Nice", 180.0), c("06100", "Nice", 80.0), c("06300", "Nice", 80.0),
    c("44000", "Nantes", 180.0), c("44300", "Nantes", 140.0), c("34000", "Montpellier", 290.0),
    c("67000", "Strasbourg", 180.0), c("67100", "Strasbourg", 110.0),
    c("33000", "Bordeaux", 180.0), c("33800", "Bordeaux", 80.0), c("59000", "Lille", 230.0),
    c("35000", "Rennes", 220.0), c("51100", "Reims", 180.0), c("42000", "Saint-Étienne", 170.0),
    c("83000", "Toulon", 170.0), c("76600", "Le Havre", 168.0), c("38000", "Grenoble", 158.0),
    c("21000", "Dijon", 157.0), c("49000", "Angers", 155.0), c("30000", "Nîmes", 148.0),
    c("69100", "Villeurbanne", 150.0), c("63000", "Clermont-Ferrand", 147.0),
    c("72000", "Le Mans", 143.0), c("13100", "Aix-en-Provence", 143.0), c("29200", "Brest", 139.0),
    c("37000", "Tours", 136.0), c("80000", "Amiens", 133.0), c("87000", "Limoges", 130.0),
    c("74000", "Annecy", 130.0), c("66000", "Perpignan", 120.0),
    c("92100", "Boulogne-Billancourt", 121.0), c("57000", "Metz", 117.0),
    c("25000", "Besançon", 117.0), c("45000", "Orléans", 116.0), c("93200", "Saint-Denis", 113.0),
    c("95100", "Argenteuil", 110.0), c("76000", "Rouen", 111.0), c("93100", "Montreuil", 110.0),
    c("68100", "Mulhouse", 108.0), c("14000", "Caen", 106.0), c("54000", "Nancy", 104.0),
    c("94400", "Vitry-sur-Seine", 95.0), c("94000", "Créteil", 92.0), c("92000", "Nanterre", 96.0),
    c("78000", "Versailles", 85.0), c("92400", "Courbevoie", 82.0), c("92700", "Colombes", 86.0),
    c("93300", "Aubervilliers", 88.0), c("92600", "Asnières-sur-Seine", 86.0),
    c("92500", "Rueil-Malmaison", 78.0), c("94500", "Champigny-sur-Marne", 77.0),
    c("94100", "Saint-Maur-des-Fossés", 75.0), c("84000", "Avignon", 91.0),
    c("86000", "Poitiers", 89.0), c("64000", "Pau", 77.0), c("17000", "La Rochelle", 77.0),
    c("62100", "Calais", 72.0), c("06400", "Cannes", 74.0), c("06600", "Antibes", 73.0),
    c("34500", "Béziers", 78.0), c("68000", "Colmar", 68.0), c("18000", "Bourges", 64.0),
    c("29000", "Quimper", 63.0), c("26000", "Valence", 64.0), c("56000", "Vannes", 54.0),
    c("73000", "Chambéry", 59.0), c("79000", "Niort", 59.0), c("56100", "Lorient", 57.0),
    c("95200", "Sarcelles", 58.0), c("20000", "Ajaccio", 71.0), c("20200", "Bastia", 48.0),
    c("91000", "Évry-Courcouronnes", 67.0), c("95000", "Cergy", 66.0), c("10000", "Troyes", 61.0),
    c("60000", "Beauvais", 56.0), c("28000", "Chartres", 39.0), c("49300", "Cholet", 54.0),
    c("53000", "Laval", 50.0), c("35400", "Saint-Malo", 47.0), c("13200", "Arles", 52.0),
    c("41000", "Blois", 46.0), c("36000", "Châteauroux", 43.0), c("16000", "Angoulême", 42.0),
    c("89000", "Auxerre", 35.0), c("58000", "Nevers", 33.0), c("71000", "Mâcon", 34.0),
    c("90000", "Belfort", 47.0), c("88000", "Épinal", 32.0), c("70000", "Vesoul", 15.0),
    c("39000", "Lons-le-Saunier", 17.0), c("24000", "Périgueux", 30.0), c("47000", "Agen", 33.0),
    c("40000", "Mont-de-Marsan", 30.0), c("65000", "Tarbes", 42.0), c("32000", "Auch", 22.0),
    c("46000", "Cahors", 20.0), c("12000", "Rodez", 25.0), c("81000", "Albi", 49.0),
    c("82000", "Montauban", 61.0), c("11000", "Carcassonne", 46.0), c("48000", "Mende", 12.0),
    c("43000", "Le Puy-en-Velay", 19.0), c("15000", "Aurillac", 25.0), c("19000", "Tulle", 15.0),
    c("23000", "Guéret", 13.0), c("22000", "Saint-Brieuc", 44.0), c("61000", "Alençon", 26.0),
    c("27000", "Évreux", 47.0), c("50000", "Saint-Lô", 19.0),
    c("50100", "Cherbourg-en-Cotentin", 78.0), c("62000", "Arras", 41.0),
    c("59140", "Dunkerque", 87.0), c("59100", "Roubaix", 98.0), c("59200", "Tourcoing", 98.0),
    c("59650", "Villeneuve-d'Ascq", 62.0), c("74100", "Annemasse", 36.0),
    c("74200", "Thonon-les-Bains", 35.0), c("38200", "Vienne", 30.0),
    c("38300", "Bourgoin-Jallieu", 29.0), c("01000", "Bourg-en-Bresse", 41.0),
    c("01100", "Oyonnax", 22.0), c("01500", "Ambérieu-en-Bugey", 14.0),
    c("02000", "Laon", 25.0), c("02100", "Saint-Quentin", 53.0), c("02200", "Soissons", 28.0),
    c("03000", "Moulins", 19.0), c("03100", "Montluçon", 34.0), c("03200", "Vichy", 25.0),
    c("04000", "Digne-les-Bains", 16.0), c("04100", "Manosque", 22.0), c("05000", "Gap", 40.0),
    c("05100", "Briançon", 11.0), c("06500", "Menton", 30.0), c("06130", "Grasse", 50.0),
    c("07000", "Privas", 8.0), c("07200", "Aubenas", 12.0),
    c("08000", "Charleville-Mézières", 46.0), c("08200", "Sedan", 16.0), c("09000", "Foix", 10.0),
    c("09100", "Pamiers", 15.0), c("77000", "Melun", 41.0), c("77100", "Meaux", 55.0),
    c("91300", "Massy", 50.0), c("78100", "Saint-Germain-en-Laye", 44.0),
    c("93600", "Aulnay-sous-Bois", 86.0), c("94200", "Ivry-sur-Seine", 63.0),
    c("92130", "Issy-les-Moulineaux", 68.0), c("92200", "Neuilly-sur-Seine", 60.0),
    c("35200", "Rennes", 60.0), c("44600", "Saint-Nazaire", 72.0), c("85000", "La Roche-sur-Yon", 55.0),
    c("17100", "Saintes", 25.0), c("64100", "Bayonne", 52.0), c("64200", "Biarritz", 25.0),
    c("33600", "Pessac", 65.0), c("33700", "Mérignac", 72.0), c("31700", "Blagnac", 25.0),
    c("34200", "Sète", 44.0), c("30100", "Alès", 40.0), c("83400", "Hyères", 55.0),
    c("83700", "Saint-Raphaël", 35.0), c("13300", "Salon-de-Provence", 45.0),
    c("13500", "Martigues", 49.0), c("57100", "Thionville", 41.0), c("54500", "Vandœuvre-lès-Nancy", 29.0),
    c("51000", "Châlons-en-Champagne", 44.0), c("52000", "Chaumont", 21.0),
    c("55000", "Bar-le-Duc", 15.0), c("60200", "Compiègne", 40.0), c("62300", "Lens", 31.0),
    c("62200", "Boulogne-sur-Mer", 41.0), c("59300", "Valenciennes", 43.0),
    c("76200", "Dieppe", 29.0), c("14100", "Lisieux", 20.0), c("29600", "Morlaix", 15.0),
    c("22100", "Dinan", 14.0), c("72100", "Le Mans", 40.0), c("37100", "Tours", 30.0),
];

/// Overseas communes (Guadeloupe, Martinique, Guyane, La Réunion).
const OVERSEAS_COMMUNES: &[Commune] = &[
    c("97110", "Pointe-à-Pitre", 16.0), c("97139", "Les Abymes", 53.0),
    c("97122", "Baie-Mahault", 31.0), c("97200", "Fort-de-France", 78.0),
    c("97232", "Le Lamentin", 39.0), c("97233", "Schœlcher", 20.0), c("97300", "Cayenne", 63.0),
    c("97310", "Kourou", 25.0), c("97400", "Saint-Denis", 153.0), c("97460", "Saint-Paul", 105.0),
    c("97410", "Saint-Pierre", 84.0), c("97430", "Le Tampon", 80.0), c("97450", "Saint-Louis", 53.0),
];

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
const STREET_TYPE_WEIGHTS: &[f64] = &[50.0, 15.0, 8.0, 4.0, 5.0, 6.0, 4.0, 4.0, 1.0, 1.0, 1.0, 1.0, 0.5];

pub(crate) const STREET_NAMES: &[&str] = &[
    "de la Paix", "Victor Hugo", "Jean Jaurès", "du Général de Gaulle", "de la République",
    "Pasteur", "des Lilas", "du Moulin", "de l'Église", "de la Gare", "Gambetta", "Voltaire",
    "Jules Ferry", "Foch", "du Château", "des Écoles", "de Verdun", "Émile Zola", "Carnot",
    "Saint-Martin", "de la Liberté", "du 8 Mai 1945", "du 11 Novembre", "Anatole France",
    "Louis Pasteur", "Jean Moulin", "Aristide Briand", "de Paris", "des Roses", "des Acacias",
    "du Stade", "de la Mairie", "Nationale", "des Tilleuls", "du Marché", "Molière",
    "Georges Clemenceau", "Paul Bert", "de Bretagne", "Henri Barbusse", "Pierre Curie",
    "Marie Curie", "du Maréchal Leclerc", "des Peupliers", "des Chênes", "de Lattre de Tassigny",
    "de la Libération", "des Jardins", "du Port", "de la Fontaine", "des Vignes", "Sadi Carnot",
    "Lamartine", "Alsace-Lorraine", "de Strasbourg", "Jean-Baptiste Clément", "des Prés",
    "de Normandie", "du Commerce", "Saint-Exupéry", "Léon Blum", "Condorcet", "Nationale 7",
    "des Cerisiers", "de la Croix", "Saint-Jacques", "des Mimosas", "du Parc", "Danton",
    "de Provence", "des Bleuets", "Hoche",
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
        self.names.get(self.weights.sample(rng)).copied().unwrap_or("Martin")
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
        self.communes.get(index as usize).unwrap_or(&self.communes[0])
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
        let mut communes: Vec<Commune> = METRO_COMMUNES.to_vec();
        let metro_communes = Weighted::new(METRO_COMMUNES.iter().map(|c| f64::from(c.weight)));
        let overseas_communes = (communes.len()..communes.len() + OVERSEAS_COMMUNES.len()).collect();
        let overseas_weights = Weighted::new(OVERSEAS_COMMUNES.iter().map(|c| f64::from(c.weight)));
        communes.extend_from_slice(OVERSEAS_COMMUNES);
        Tables {
            fr_female: NameList::new(FR_FEMALE, 0.9),
            fr_female_compound: NameList::new(FR_FEMALE_COMPOUND, 0.8),
            fr_male: NameList::new(FR_MALE, 0.9),
            fr_male_compound: NameList::new(FR_MALE_COMPOUND, 0.8),
            fr_family: NameList::new(FR_FAMILY, 0.55),
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
        2 | 8 | 10 | 21 | 25 | 39 | 51 | 52 | 54 | 55 | 57..=60 | 62 | 67 | 68 | 70 | 71 | 80
        | 88..=90 => 3,
        9 | 12 | 16 | 17 | 19 | 23 | 24 | 31..=33 | 40 | 46 | 47 | 64 | 65 | 79 | 81 | 82 | 86
        | 87 => 5,
        _ => 4,
    }
}
