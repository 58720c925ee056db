//! Fixed reference data: territories, colours, package types, stock groups, suppliers, customer
//! categories, buying groups and the word lists that city and person names are built from.
//!
//! Every name here is our own invention (or a plain word / US state name); none is taken from
//! Microsoft's sample rows. The sizes match WideWorldImporters v1.0: 53 state provinces, 36
//! colours, 14 package types, 10 stock groups, 13 suppliers, 8 customer categories, 2 buying
//! groups.

/// `CountryID` written on every state province (all customers are in the United States).
pub const COUNTRY_ID: i64 = 230;

/// (code, name, sales territory), ordered by name; `StateProvinceID` = position + 1.
pub const STATE_PROVINCES: [(&str, &str, &str); 53] = [
    ("AL", "Alabama", "Southeast"),
    ("AK", "Alaska", "Far West"),
    ("AZ", "Arizona", "Southwest"),
    ("AR", "Arkansas", "Southeast"),
    ("CA", "California", "Far West"),
    ("CO", "Colorado", "Rocky Mountain"),
    ("CT", "Connecticut", "New England"),
    ("DE", "Delaware", "Mideast"),
    ("DC", "District of Columbia", "Mideast"),
    ("FL", "Florida", "Southeast"),
    ("GA", "Georgia", "Southeast"),
    ("HI", "Hawaii", "Far West"),
    ("ID", "Idaho", "Rocky Mountain"),
    ("IL", "Illinois", "Great Lakes"),
    ("IN", "Indiana", "Great Lakes"),
    ("IA", "Iowa", "Plains"),
    ("KS", "Kansas", "Plains"),
    ("KY", "Kentucky", "Southeast"),
    ("LA", "Louisiana", "Southeast"),
    ("ME", "Maine", "New England"),
    ("MD", "Maryland", "Mideast"),
    ("MA", "Massachusetts", "New England"),
    ("MI", "Michigan", "Great Lakes"),
    ("MN", "Minnesota", "Plains"),
    ("MS", "Mississippi", "Southeast"),
    ("MO", "Missouri", "Plains"),
    ("MT", "Montana", "Rocky Mountain"),
    ("NE", "Nebraska", "Plains"),
    ("NV", "Nevada", "Far West"),
    ("NH", "New Hampshire", "New England"),
    ("NJ", "New Jersey", "Mideast"),
    ("NM", "New Mexico", "Southwest"),
    ("NY", "New York", "Mideast"),
    ("NC", "North Carolina", "Southeast"),
    ("ND", "North Dakota", "Plains"),
    ("OH", "Ohio", "Great Lakes"),
    ("OK", "Oklahoma", "Southwest"),
    ("OR", "Oregon", "Far West"),
    ("PA", "Pennsylvania", "Mideast"),
    ("PR", "Puerto Rico", "External"),
    ("RI", "Rhode Island", "New England"),
    ("SC", "South Carolina", "Southeast"),
    ("SD", "South Dakota", "Plains"),
    ("TN", "Tennessee", "Southeast"),
    ("TX", "Texas", "Southwest"),
    ("UT", "Utah", "Rocky Mountain"),
    ("VT", "Vermont", "New England"),
    ("VI", "Virgin Islands (US)", "External"),
    ("VA", "Virginia", "Southeast"),
    ("WA", "Washington", "Far West"),
    ("WV", "West Virginia", "Southeast"),
    ("WI", "Wisconsin", "Great Lakes"),
    ("WY", "Wyoming", "Rocky Mountain"),
];

/// `ColorID` = position + 1.
pub const COLORS: [&str; 36] = [
    "Black",
    "White",
    "Red",
    "Blue",
    "Green",
    "Yellow",
    "Orange",
    "Purple",
    "Pink",
    "Brown",
    "Grey",
    "Navy",
    "Teal",
    "Turquoise",
    "Maroon",
    "Olive",
    "Beige",
    "Cream",
    "Charcoal",
    "Silver",
    "Gold",
    "Bronze",
    "Copper",
    "Lavender",
    "Mint",
    "Coral",
    "Salmon",
    "Sky Blue",
    "Forest Green",
    "Lime",
    "Mustard",
    "Burgundy",
    "Ivory",
    "Tan",
    "Khaki",
    "Magenta",
];

/// `PackageTypeID` = position + 1 (see the `PKG_*` constants).
pub const PACKAGE_TYPES: [&str; 14] = [
    "Each", "Bag", "Box", "Carton", "Packet", "Pair", "Pallet", "Roll", "Tube", "Tin", "Jar", "Case", "Crate", "Kg",
];
pub const PKG_EACH: i64 = 1;
pub const PKG_BAG: i64 = 2;
pub const PKG_BOX: i64 = 3;
pub const PKG_CARTON: i64 = 4;
pub const PKG_PACKET: i64 = 5;
pub const PKG_PAIR: i64 = 6;
pub const PKG_ROLL: i64 = 8;

/// `StockGroupID` = position + 1 (see the `GRP_*` constants).
pub const STOCK_GROUPS: [&str; 10] = [
    "Novelty Items",
    "Clothing",
    "Mugs & Drinkware",
    "Computing Gadgets",
    "Toys & Games",
    "Packaging Supplies",
    "Office & Stationery",
    "Footwear",
    "Seasonal & Party",
    "Confectionery",
];
pub const GRP_NOVELTY: i64 = 1;
pub const GRP_CLOTHING: i64 = 2;
pub const GRP_DRINKWARE: i64 = 3;
pub const GRP_COMPUTING: i64 = 4;
pub const GRP_TOYS: i64 = 5;
pub const GRP_PACKAGING: i64 = 6;
pub const GRP_OFFICE: i64 = 7;
pub const GRP_FOOTWEAR: i64 = 8;
pub const GRP_SEASONAL: i64 = 9;
pub const GRP_CONFECTIONERY: i64 = 10;

/// Bin-location aisle letter per stock group (index = group id − 1).
pub const GROUP_AISLES: [&str; 10] = ["N", "C", "M", "G", "T", "P", "S", "F", "H", "CH"];

/// `SupplierID` = position + 1 (see the `SUP_*` constants).
pub const SUPPLIERS: [&str; 13] = [
    "Bluefin Imports",
    "Copperleaf Supply Co.",
    "Driftwood Textiles",
    "Emberline Electronics",
    "Foxglove Packaging",
    "Granite Peak Toys",
    "Hollowbrook Paper",
    "Ironbark Outfitters",
    "Juniper Footwear",
    "Kestrel Gadget Works",
    "Lumen Confectioners",
    "Moonrise Ceramics",
    "Northgate Party Goods",
];
pub const SUP_BLUEFIN: i64 = 1;
pub const SUP_COPPERLEAF: i64 = 2;
pub const SUP_DRIFTWOOD: i64 = 3;
pub const SUP_EMBERLINE: i64 = 4;
pub const SUP_FOXGLOVE: i64 = 5;
pub const SUP_GRANITE_PEAK: i64 = 6;
pub const SUP_HOLLOWBROOK: i64 = 7;
pub const SUP_IRONBARK: i64 = 8;
pub const SUP_JUNIPER: i64 = 9;
pub const SUP_KESTREL: i64 = 10;
pub const SUP_LUMEN: i64 = 11;
pub const SUP_MOONRISE: i64 = 12;
pub const SUP_NORTHGATE: i64 = 13;

/// `CustomerCategoryID` = position + 1.
pub const CUSTOMER_CATEGORIES: [&str; 8] = [
    "Toy Store",
    "Gift Shop",
    "Stationer",
    "Supermarket",
    "Electronics Retailer",
    "Corporate Buyer",
    "Wholesale Agent",
    "Variety Store",
];
/// Category of the two buying groups' head offices.
pub const CAT_CORPORATE: i64 = 6;
/// Categories a buying-group branch is drawn from.
pub const BRANCH_CATEGORIES: [i64; 5] = [1, 2, 3, 4, 8];
/// Categories an individual customer is drawn from.
pub const INDIVIDUAL_CATEGORIES: [i64; 5] = [1, 2, 3, 5, 7];

/// (BuyingGroupID, name, website domain).
pub const BUYING_GROUPS: [(i64, &str, &str); 2] = [
    (1, "Harbor Toys", "harbortoys.example"),
    (2, "Lantern Gifts", "lanterngifts.example"),
];

/// City names are `prefix + suffix` (some suffixes start with a space).
pub const CITY_PREFIXES: [&str; 32] = [
    "Alder", "Amber", "Ash", "Birch", "Bramble", "Cedar", "Clover", "Copper", "Crane", "Dover", "Elk", "Fern", "Flint",
    "Garnet", "Glen", "Hazel", "Heron", "Juniper", "Kettle", "Lark", "Linden", "Marsh", "Meadow", "Oak", "Pebble",
    "Quarry", "Raven", "Sable", "Thistle", "Timber", "Willow", "Wren",
];
pub const CITY_SUFFIXES: [&str; 22] = [
    "field",
    "ford",
    "ton",
    "ville",
    "wood",
    "brook",
    "dale",
    "haven",
    "port",
    "ridge",
    "view",
    "burg",
    "crest",
    "mont",
    "stead",
    "water",
    " Falls",
    " Springs",
    " Junction",
    " Crossing",
    " Hollow",
    " Bluff",
];
/// Cities generated per state province.
pub const CITIES_PER_STATE: usize = 9;

pub const FIRST_NAMES: [&str; 64] = [
    "Ada",
    "Alvaro",
    "Amara",
    "Anselm",
    "Beatriz",
    "Bodhi",
    "Calla",
    "Cormac",
    "Dalia",
    "Dmitri",
    "Eamon",
    "Elif",
    "Esme",
    "Farid",
    "Freya",
    "Gideon",
    "Greta",
    "Hamish",
    "Ines",
    "Ivo",
    "Jalen",
    "Jun",
    "Kaia",
    "Kofi",
    "Lennart",
    "Leona",
    "Mateo",
    "Mira",
    "Nadia",
    "Nikhil",
    "Odile",
    "Orrin",
    "Paloma",
    "Priya",
    "Quentin",
    "Rafferty",
    "Rosalind",
    "Ruairi",
    "Saoirse",
    "Soren",
    "Tamsin",
    "Teodor",
    "Uma",
    "Umberto",
    "Valentina",
    "Viggo",
    "Wilhelmina",
    "Wyatt",
    "Xiomara",
    "Yannick",
    "Yara",
    "Zadie",
    "Zoran",
    "Annika",
    "Bastian",
    "Celeste",
    "Darius",
    "Elowen",
    "Florian",
    "Giulia",
    "Hugo",
    "Isolde",
    "Joaquin",
    "Linnea",
];
pub const LAST_NAMES: [&str; 64] = [
    "Abernathy",
    "Achterberg",
    "Balogun",
    "Bramwell",
    "Castellanos",
    "Chaudhry",
    "Dahlgren",
    "Delacroix",
    "Eriksen",
    "Esposito",
    "Fairweather",
    "Falkner",
    "Gallardo",
    "Grimaldi",
    "Halvorsen",
    "Haddad",
    "Ibarra",
    "Iwasaki",
    "Jankowski",
    "Jovanovic",
    "Kavanagh",
    "Kowalczyk",
    "Lindqvist",
    "Lombardi",
    "Macready",
    "Moreau",
    "Nakamura",
    "Novak",
    "Okafor",
    "Oyelaran",
    "Pemberton",
    "Petrov",
    "Quinlan",
    "Quarshie",
    "Ravensworth",
    "Rinaldi",
    "Sandoval",
    "Szabo",
    "Thorne",
    "Tremblay",
    "Underhill",
    "Ulloa",
    "Vance",
    "Vasquez",
    "Whitlock",
    "Wojcik",
    "Xu",
    "Yamada",
    "Yilmaz",
    "Zamora",
    "Zielinski",
    "Ashdown",
    "Brightwater",
    "Coldwell",
    "Dunmore",
    "Everly",
    "Fenwick",
    "Greenhalgh",
    "Hartigan",
    "Inglewood",
    "Kessler",
    "Larkspur",
    "Merriweather",
    "Northcott",
];

pub const STREET_NAMES: [&str; 24] = [
    "Maple",
    "Harbor",
    "Lantern",
    "Orchard",
    "Mill",
    "Canal",
    "Summit",
    "Prairie",
    "Beacon",
    "Chestnut",
    "Foundry",
    "Granary",
    "Lighthouse",
    "Meadowlark",
    "Quarry",
    "Riverbend",
    "Sawmill",
    "Schoolhouse",
    "Tannery",
    "Vineyard",
    "Wharf",
    "Windmill",
    "Depot",
    "Bridge",
];
pub const STREET_KINDS: [&str; 6] = ["Street", "Avenue", "Road", "Lane", "Drive", "Boulevard"];
pub const PREMISES: [&str; 4] = ["Shop", "Unit", "Suite", "Store"];

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeSet;

    #[test]
    fn sizes_match_wwi_v1() {
        assert_eq!(STATE_PROVINCES.len(), 53);
        assert_eq!(COLORS.len(), 36);
        assert_eq!(PACKAGE_TYPES.len(), 14);
        assert_eq!(STOCK_GROUPS.len(), 10);
        assert_eq!(SUPPLIERS.len(), 13);
        assert_eq!(CUSTOMER_CATEGORIES.len(), 8);
    }

    #[test]
    fn names_are_unique() {
        fn unique(v: &[&str]) -> bool {
            v.iter().collect::<BTreeSet<_>>().len() == v.len()
        }
        assert!(unique(&COLORS));
        assert!(unique(&PACKAGE_TYPES));
        assert!(unique(&STOCK_GROUPS));
        assert!(unique(&SUPPLIERS));
        assert!(unique(&CUSTOMER_CATEGORIES));
        assert!(unique(&FIRST_NAMES));
        assert!(unique(&LAST_NAMES));
        assert!(unique(&CITY_PREFIXES));
        assert!(unique(&CITY_SUFFIXES));
        let names: Vec<&str> = STATE_PROVINCES.iter().map(|s| s.1).collect();
        assert!(unique(&names));
        let codes: Vec<&str> = STATE_PROVINCES.iter().map(|s| s.0).collect();
        assert!(unique(&codes));
    }

    #[test]
    fn territories_have_the_published_state_counts() {
        let count = |t: &str| STATE_PROVINCES.iter().filter(|s| s.2 == t).count();
        assert_eq!(count("Southeast"), 12);
        assert_eq!(count("Far West"), 6);
        assert_eq!(count("Southwest"), 4);
        assert_eq!(count("Rocky Mountain"), 5);
        assert_eq!(count("New England"), 6);
        assert_eq!(count("Mideast"), 6);
        assert_eq!(count("Great Lakes"), 5);
        assert_eq!(count("Plains"), 7);
        assert_eq!(count("External"), 2);
    }

    #[test]
    fn states_are_sorted_by_name() {
        assert!(STATE_PROVINCES.windows(2).all(|w| w[0].1 < w[1].1));
    }
}
