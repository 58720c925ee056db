//! The 227 stock items: 219 sold from the start and 8 chilled chocolates (IDs 220–227) added on
//! 2016-01-01, 01-02, 01-04 and 01-05, as in WideWorldImporters v1.0. Names, prices and packaging
//! are our own; the catalog is fixed (it does not depend on the seed), so an item ID always means
//! the same product.

use chrono::NaiveDate;

use super::reference::*;

/// One stock item as written to `Warehouse.StockItems` (plus its stock-group links).
#[derive(Clone, Debug)]
pub(crate) struct ItemDef {
    pub id: i64,
    pub name: String,
    pub supplier: i64,
    /// A name from [`COLORS`].
    pub color: Option<&'static str>,
    pub unit_package: i64,
    pub outer_package: i64,
    pub brand: Option<&'static str>,
    pub size: Option<String>,
    pub lead_time_days: i64,
    pub quantity_per_outer: i64,
    pub chiller: bool,
    /// Percent with three decimals, times 1000 (15.000 % → 15_000).
    pub tax_rate_milli: i64,
    pub unit_price_cents: i64,
    pub weight_grams: i64,
    pub barcode: bool,
    pub marketing: Option<&'static str>,
    pub tags: &'static [&'static str],
    pub groups: &'static [i64],
    pub country: &'static str,
    /// First day the item can be ordered; None = before any order.
    pub added: Option<NaiveDate>,
}

impl ItemDef {
    pub fn color_id(&self) -> Option<i64> {
        self.color
            .and_then(|c| COLORS.iter().position(|n| *n == c))
            .map(|i| i as i64 + 1)
    }

    /// Recommended retail price: about 1.495 × the unit price, in cents.
    pub fn rrp_cents(&self) -> i64 {
        (self.unit_price_cents * 1495 + 500) / 1000
    }

    /// A 13-digit EAN-style code with a valid check digit.
    pub fn barcode_text(&self) -> Option<String> {
        if !self.barcode {
            return None;
        }
        let body = format!("7319{:08}", 1_000_000 + self.id * 37);
        Some(format!("{body}{}", ean_check_digit(&body)))
    }

    /// `CustomFields` JSON.
    pub fn custom_fields(&self) -> String {
        serde_json::json!({ "CountryOfManufacture": self.country, "Tags": self.tags }).to_string()
    }
}

/// Check digit of a 12-digit EAN-13 body.
pub(crate) fn ean_check_digit(body: &str) -> u32 {
    let sum: u32 = body
        .chars()
        .filter_map(|c| c.to_digit(10))
        .enumerate()
        .map(|(i, d)| if i % 2 == 0 { d } else { 3 * d })
        .sum();
    (10 - sum % 10) % 10
}

/// Family defaults shared by similar items.
#[derive(Clone, Copy)]
struct Family {
    supplier: i64,
    unit: i64,
    outer: i64,
    brand: Option<&'static str>,
    lead: i64,
    qpo: i64,
    grams: i64,
    groups: &'static [i64],
    marketing: Option<&'static str>,
    tags: &'static [&'static str],
    country: &'static str,
    barcode: bool,
}

struct Builder {
    items: Vec<ItemDef>,
}

impl Builder {
    fn add(
        &mut self,
        f: &Family,
        name: &str,
        color: Option<&'static str>,
        size: Option<&str>,
        cents: i64,
    ) -> &mut ItemDef {
        let id = self.items.len() as i64 + 1;
        self.items.push(ItemDef {
            id,
            name: name.to_string(),
            supplier: f.supplier,
            color,
            unit_package: f.unit,
            outer_package: f.outer,
            brand: f.brand,
            size: size.map(str::to_string),
            lead_time_days: f.lead,
            quantity_per_outer: f.qpo,
            chiller: false,
            tax_rate_milli: 15_000,
            unit_price_cents: cents,
            weight_grams: f.grams,
            barcode: f.barcode,
            marketing: f.marketing,
            tags: f.tags,
            groups: f.groups,
            country: f.country,
            added: None,
        });
        let last = self.items.len() - 1;
        &mut self.items[last]
    }

    fn edit(&mut self, name: &str, change: impl FnOnce(&mut ItemDef)) {
        if let Some(item) = self.items.iter_mut().find(|i| i.name == name) {
            change(item);
        }
    }

    /// `name` carries a colour in parentheses when `color` is Some.
    fn simple(&mut self, f: &Family, list: &[(&str, Option<&'static str>, i64, i64)]) {
        for &(name, color, cents, qpo) in list {
            let item = self.add(f, name, color, None, cents);
            if qpo > 0 {
                item.quantity_per_outer = qpo;
            }
        }
    }
}

const SIZES: [&str; 5] = ["S", "M", "L", "XL", "XXL"];

/// The full catalog, `StockItemID` = position + 1.
pub(crate) fn catalog() -> Vec<ItemDef> {
    let mut b = Builder {
        items: Vec::with_capacity(227),
    };

    // 1–20: mugs, ten designs in white and black.
    let mugs = Family {
        supplier: SUP_MOONRISE,
        unit: PKG_EACH,
        outer: PKG_CARTON,
        brand: None,
        lead: 14,
        qpo: 12,
        grams: 420,
        groups: &[GRP_DRINKWARE, GRP_NOVELTY],
        marketing: Some("Stoneware, dishwasher and microwave safe."),
        tags: &["Comedy"],
        country: "China",
        barcode: true,
    };
    for design in [
        "Lighthouse",
        "Monday survivor",
        "Coffee before small talk",
        "Sloth in charge",
        "Deadline wrangler",
        "Night owl",
        "Code and coffee",
        "Ship it on Friday",
        "Fox and fern",
        "Mountain sunrise",
    ] {
        for color in ["White", "Black"] {
            b.add(
                &mugs,
                &format!("{design} mug ({color})"),
                Some(color),
                Some("350ml"),
                1300,
            );
        }
    }

    // 21–40: T-shirts, four designs in five sizes.
    let tees = Family {
        supplier: SUP_DRIFTWOOD,
        unit: PKG_EACH,
        outer: PKG_BOX,
        brand: None,
        lead: 21,
        qpo: 10,
        grams: 180,
        groups: &[GRP_CLOTHING, GRP_NOVELTY],
        marketing: Some("Soft ring-spun cotton, printed to match our mugs."),
        tags: &["Cotton"],
        country: "Bangladesh",
        barcode: true,
    };
    for (design, color) in [
        ("Lighthouse", "White"),
        ("Sloth in charge", "Grey"),
        ("Code and coffee", "Black"),
        ("Mountain sunrise", "Navy"),
    ] {
        for size in SIZES {
            let cents = if size == "XXL" { 1900 } else { 1800 };
            b.add(
                &tees,
                &format!("{design} T-shirt ({color}) {size}"),
                Some(color),
                Some(size),
                cents,
            );
        }
    }

    // 41–50: hoodies.
    let hoodies = Family {
        qpo: 6,
        grams: 520,
        marketing: Some("Brushed fleece lining."),
        ..tees
    };
    for (design, color) in [("Harbor fog", "Charcoal"), ("Night owl", "Navy")] {
        for size in SIZES {
            let cents = if size == "XXL" { 3400 } else { 3200 };
            b.add(
                &hoodies,
                &format!("{design} hoodie ({color}) {size}"),
                Some(color),
                Some(size),
                cents,
            );
        }
    }

    // 51–56: novelty socks.
    let socks = Family {
        unit: PKG_PAIR,
        outer: PKG_PACKET,
        qpo: 12,
        grams: 60,
        marketing: None,
        tags: &["Comedy"],
        ..tees
    };
    for name in [
        "Taco Tuesday socks",
        "Space cats socks",
        "Pizza slice socks",
        "Cactus garden socks",
        "Rubber duck socks",
        "Lightning bolt socks",
    ] {
        b.add(&socks, name, None, Some("One size"), 650);
    }

    // 57–67: slippers.
    let slippers = Family {
        supplier: SUP_JUNIPER,
        unit: PKG_PAIR,
        outer: PKG_CARTON,
        brand: None,
        lead: 28,
        qpo: 6,
        grams: 350,
        groups: &[GRP_FOOTWEAR, GRP_CLOTHING],
        marketing: Some("Warm, non-slip soles."),
        tags: &["Comfortable"],
        country: "China",
        barcode: true,
    };
    for (base, color, sizes, cents) in [
        ("Fleece bootie slippers", "Navy", &SIZES[..4], 2200),
        ("Wool-lined moccasin slippers", "Tan", &SIZES[..4], 2600),
        ("Memory foam slides", "Black", &SIZES[1..4], 1900),
    ] {
        for size in sizes {
            b.add(
                &slippers,
                &format!("{base} ({color}) {size}"),
                Some(color),
                Some(size),
                cents,
            );
        }
    }

    // 68–75: bottles and tumblers.
    let bottles = Family {
        supplier: SUP_COPPERLEAF,
        unit: PKG_EACH,
        outer: PKG_CARTON,
        brand: None,
        lead: 14,
        qpo: 6,
        grams: 380,
        groups: &[GRP_DRINKWARE],
        marketing: Some("Double-walled stainless steel keeps drinks cold for 24 hours."),
        tags: &["Reusable"],
        country: "China",
        barcode: true,
    };
    for color in ["Black", "White", "Teal", "Coral", "Mustard", "Forest Green"] {
        b.add(
            &bottles,
            &format!("Insulated bottle 750ml ({color})"),
            Some(color),
            Some("750ml"),
            2200,
        );
    }
    for color in ["Silver", "Black"] {
        b.add(
            &bottles,
            &format!("Travel tumbler 400ml ({color})"),
            Some(color),
            Some("400ml"),
            1650,
        )
        .quantity_per_outer = 8;
    }

    // 76–83: USB gadgets.
    let usb = Family {
        supplier: SUP_KESTREL,
        unit: PKG_EACH,
        outer: PKG_CARTON,
        brand: None,
        lead: 14,
        qpo: 8,
        grams: 300,
        groups: &[GRP_COMPUTING, GRP_NOVELTY],
        marketing: Some("Plugs into any USB port."),
        tags: &["USB Powered"],
        country: "China",
        barcode: true,
    };
    b.simple(
        &usb,
        &[
            ("USB desk fan (mini)", None, 1450, 0),
            ("USB cup warmer", None, 1600, 0),
            ("USB plasma globe", None, 2900, 0),
            ("USB hand warmer", None, 1800, 0),
            ("USB LED reading lamp", None, 1350, 0),
            ("USB snow globe", None, 2200, 0),
            ("USB rocket lamp", None, 2600, 0),
            ("USB mini fridge (single can)", None, 4500, 4),
        ],
    );

    // 84–89: power banks.
    let power = Family {
        supplier: SUP_EMBERLINE,
        unit: PKG_EACH,
        outer: PKG_CARTON,
        brand: Some("VoltNest"),
        lead: 21,
        qpo: 6,
        grams: 180,
        groups: &[GRP_COMPUTING],
        marketing: Some("Charges a phone twice."),
        tags: &["Long Battery Life"],
        country: "China",
        barcode: true,
    };
    for color in ["Black", "White", "Red", "Blue", "Lime", "Purple"] {
        b.add(
            &power,
            &format!("Pocket power bank 5000mAh ({color})"),
            Some(color),
            Some("5000mAh"),
            2700,
        );
    }

    // 90–98: cables, chargers, stands, speakers.
    let cables = Family {
        unit: PKG_EACH,
        outer: PKG_BOX,
        grams: 90,
        marketing: None,
        tags: &[],
        ..power
    };
    b.add(&cables, "Charging cable USB-C 1m", None, Some("1m"), 750);
    b.add(&cables, "Charging cable USB-C 2m", None, Some("2m"), 950);
    b.add(&cables, "Charging cable micro-USB 1m", None, Some("1m"), 650);
    b.simple(
        &cables,
        &[
            ("Wireless charging pad", None, 2400, 6),
            ("Foldable phone stand (Silver)", Some("Silver"), 1500, 0),
            ("Foldable phone stand (Black)", Some("Black"), 1500, 0),
            ("Laptop stand (aluminium)", None, 3900, 4),
            ("Bluetooth speaker cube (Red)", Some("Red"), 3400, 6),
            ("Bluetooth speaker cube (Blue)", Some("Blue"), 3400, 6),
        ],
    );

    // 99–102: batteries.
    let batteries = Family {
        unit: PKG_PACKET,
        outer: PKG_CARTON,
        qpo: 24,
        grams: 200,
        groups: &[GRP_COMPUTING, GRP_TOYS],
        marketing: None,
        tags: &["Value Pack"],
        ..power
    };
    b.simple(
        &batteries,
        &[
            ("AA alkaline batteries (8 pack)", None, 650, 0),
            ("AAA alkaline batteries (8 pack)", None, 650, 0),
            ("9V batteries (2 pack)", None, 900, 0),
            ("Rechargeable AA batteries (4 pack)", None, 1400, 12),
        ],
    );

    // 103–110: radio-controlled vehicles.
    let rc = Family {
        supplier: SUP_GRANITE_PEAK,
        unit: PKG_EACH,
        outer: PKG_CARTON,
        brand: Some("Torque Trail"),
        lead: 28,
        qpo: 2,
        grams: 1200,
        groups: &[GRP_TOYS, GRP_COMPUTING],
        marketing: Some("2.4 GHz remote, batteries not included."),
        tags: &["Radio Control"],
        country: "China",
        barcode: true,
    };
    b.simple(
        &rc,
        &[
            ("RC stunt car (Red)", Some("Red"), 3800, 0),
            ("RC stunt car (Blue)", Some("Blue"), 3800, 0),
            ("RC monster truck (Green)", Some("Green"), 5400, 0),
            ("RC mini drone (Black)", Some("Black"), 6900, 0),
            ("RC speed boat (Yellow)", Some("Yellow"), 5900, 0),
            ("RC tank (Olive)", Some("Olive"), 6400, 0),
            ("RC helicopter (Silver)", Some("Silver"), 7900, 0),
            ("RC off-road buggy (Orange)", Some("Orange"), 9500, 0),
        ],
    );

    // 111–120: plush animals, small and large.
    let plush = Family {
        brand: None,
        qpo: 12,
        grams: 150,
        groups: &[GRP_TOYS, GRP_NOVELTY],
        marketing: Some("Super soft, suitable from birth."),
        tags: &["Cuddly"],
        ..rc
    };
    for animal in ["sea otter", "red panda", "narwhal", "tortoise", "hedgehog"] {
        b.add(&plush, &format!("Plush {animal} (small)"), None, Some("20cm"), 850);
        let large = b.add(&plush, &format!("Plush {animal} (large)"), None, Some("40cm"), 1950);
        large.quantity_per_outer = 6;
        large.weight_grams = 450;
    }

    // 121–130: games and puzzles.
    let games = Family {
        brand: None,
        lead: 21,
        qpo: 6,
        grams: 600,
        groups: &[GRP_TOYS],
        marketing: None,
        tags: &["Family"],
        ..rc
    };
    b.simple(
        &games,
        &[
            ("Jigsaw puzzle 1000pc - harbor at dusk", None, 1600, 0),
            ("Jigsaw puzzle 1000pc - alpine lake", None, 1600, 0),
            ("Jigsaw puzzle 500pc - hot air balloons", None, 1300, 0),
            ("Wooden stacking tower game", None, 1900, 0),
            ("Card game - pirate parley", None, 1400, 0),
            ("Magnetic travel chess", None, 2200, 0),
            ("RC stunt ramp set", None, 1800, 0),
            ("Light-up yo-yo", None, 550, 24),
            ("Marble run starter kit", None, 3200, 4),
            ("Rainbow delta kite", None, 1700, 0),
        ],
    );

    // 131–138: desk toys.
    let desk = Family {
        supplier: SUP_NORTHGATE,
        unit: PKG_EACH,
        outer: PKG_CARTON,
        brand: None,
        lead: 21,
        qpo: 6,
        grams: 500,
        groups: &[GRP_NOVELTY, GRP_OFFICE],
        marketing: Some("The perfect desk distraction."),
        tags: &["Office Fun"],
        country: "China",
        barcode: true,
    };
    b.simple(
        &desk,
        &[
            ("Newton's cradle (Silver)", Some("Silver"), 2400, 0),
            ("Desk zen garden", None, 2100, 0),
            ("Magnetic sculpture block", None, 1500, 0),
            ("Stress ball trio", None, 900, 12),
            ("Mini desk basketball hoop", None, 1700, 0),
            ("Kinetic sand tray", None, 2300, 0),
            ("Desk hourglass 30 min", None, 1900, 0),
            ("Perpetual motion wheel", None, 3600, 4),
        ],
    );

    // 139–152: packaging supplies.
    let pack = Family {
        supplier: SUP_FOXGLOVE,
        unit: PKG_EACH,
        outer: PKG_PACKET,
        brand: None,
        lead: 7,
        qpo: 50,
        grams: 250,
        groups: &[GRP_PACKAGING],
        marketing: None,
        tags: &[],
        country: "USA",
        barcode: false,
    };
    for (dims, cents, qpo) in [
        ("300x200x150mm", 110, 50),
        ("400x300x250mm", 160, 50),
        ("600x400x400mm", 260, 25),
    ] {
        b.add(
            &pack,
            &format!("Shipping carton {dims}"),
            Some("Brown"),
            Some(dims),
            cents,
        )
        .quantity_per_outer = qpo;
    }
    let rolls = Family {
        unit: PKG_ROLL,
        outer: PKG_EACH,
        qpo: 1,
        grams: 1800,
        ..pack
    };
    b.add(&rolls, "Bubble wrap roll 300mm x 50m", None, Some("300mm x 50m"), 2400);
    b.add(&rolls, "Bubble wrap roll 750mm x 50m", None, Some("750mm x 50m"), 4100);
    let tape = Family {
        unit: PKG_ROLL,
        outer: PKG_CARTON,
        qpo: 36,
        grams: 150,
        ..pack
    };
    b.add(&tape, "Packing tape (Clear) 48mm x 66m", None, Some("48mm x 66m"), 240);
    b.add(
        &tape,
        "Packing tape (Brown) 48mm x 66m",
        Some("Brown"),
        Some("48mm x 66m"),
        240,
    );
    let kit = Family {
        unit: PKG_EACH,
        outer: PKG_CARTON,
        qpo: 6,
        grams: 700,
        ..pack
    };
    b.add(&kit, "Tape dispenser gun (heavy duty)", None, None, 1900);
    b.add(
        &rolls,
        "Void fill paper roll 380mm x 250m",
        None,
        Some("380mm x 250m"),
        3300,
    );
    b.add(&tape, "Fragile label roll (500)", None, None, 850)
        .quantity_per_outer = 10;
    let mailers = Family {
        unit: PKG_PACKET,
        outer: PKG_CARTON,
        qpo: 4,
        grams: 1500,
        ..pack
    };
    b.add(&mailers, "Padded mailer A5 (pack of 50)", None, Some("A5"), 1800);
    b.add(&mailers, "Padded mailer A4 (pack of 50)", None, Some("A4"), 2400);
    b.add(
        &tape,
        "Stretch film roll 500mm x 300m",
        None,
        Some("500mm x 300m"),
        2100,
    )
    .quantity_per_outer = 4;
    b.add(&mailers, "Cardboard corner protectors (pack of 100)", None, None, 1500)
        .quantity_per_outer = 5;

    // 153–164: stationery.
    let paper = Family {
        supplier: SUP_HOLLOWBROOK,
        unit: PKG_EACH,
        outer: PKG_BOX,
        brand: None,
        lead: 14,
        qpo: 12,
        grams: 250,
        groups: &[GRP_OFFICE],
        marketing: None,
        tags: &["Stationery"],
        country: "Vietnam",
        barcode: true,
    };
    for color in ["Black", "Teal", "Coral", "Mustard"] {
        b.add(
            &paper,
            &format!("Dotted notebook A5 ({color})"),
            Some(color),
            Some("A5"),
            650,
        );
    }
    b.simple(
        &paper,
        &[
            ("Gel pen set (12 colours)", None, 900, 0),
            ("Sticky note cube (neon)", None, 450, 24),
            ("Bamboo desk organiser", None, 2200, 6),
            ("Washi tape set (10 rolls)", None, 800, 0),
            ("Fineliner set (24)", None, 1500, 0),
            ("Weekly desk planner pad", None, 700, 0),
            ("Label maker tape 12mm black-on-white", None, 1100, 0),
        ],
    );
    let bookends = b.add(&paper, "Metal bookends (pair)", None, None, 1800);
    bookends.quantity_per_outer = 6;
    bookends.unit_package = PKG_PAIR;

    // 165–170: gift wrap.
    let wrap = Family {
        unit: PKG_ROLL,
        outer: PKG_CARTON,
        qpo: 20,
        grams: 120,
        groups: &[GRP_SEASONAL, GRP_PACKAGING],
        tags: &["Gift"],
        ..paper
    };
    b.add(&wrap, "Gift wrap roll - starry night (3m)", None, Some("3m"), 380);
    b.add(&wrap, "Gift wrap roll - kraft dots (3m)", None, Some("3m"), 380);
    b.add(&wrap, "Gift tag pack (50)", None, None, 300).unit_package = PKG_PACKET;
    b.add(&wrap, "Satin ribbon spool 25m (Red)", Some("Red"), Some("25m"), 420);
    b.add(&wrap, "Satin ribbon spool 25m (Gold)", Some("Gold"), Some("25m"), 420);
    b.add(&wrap, "Tissue paper pack (20 sheets)", None, None, 350)
        .unit_package = PKG_PACKET;

    // 171–180: seasonal and party goods.
    let party = Family {
        supplier: SUP_NORTHGATE,
        unit: PKG_EACH,
        outer: PKG_CARTON,
        brand: None,
        lead: 21,
        qpo: 12,
        grams: 300,
        groups: &[GRP_SEASONAL, GRP_NOVELTY],
        marketing: None,
        tags: &["Party"],
        country: "China",
        barcode: true,
    };
    let pumpkin = b.add(&party, "Glow-in-the-dark pumpkin lantern", Some("Orange"), None, 1850);
    pumpkin.quantity_per_outer = 12;
    pumpkin.tags = &["Halloween Fun"];
    b.add(
        &party,
        "Festive string lights 10m (warm white)",
        None,
        Some("10m"),
        1500,
    )
    .tags = &["Festive"];
    let float = b.add(
        &party,
        "Inflatable flamingo pool float (Pink)",
        Some("Pink"),
        None,
        2900,
    );
    float.quantity_per_outer = 6;
    float.tags = &["Summer"];
    b.add(
        &party,
        "Beach cooler bag 20L (Turquoise)",
        Some("Turquoise"),
        Some("20L"),
        2400,
    )
    .quantity_per_outer = 6;
    b.simple(
        &party,
        &[
            ("Party balloons (pack of 50)", None, 450, 24),
            ("Confetti cannon (pack of 2)", None, 800, 0),
            ("Birthday bunting 5m", None, 600, 0),
            ("Paper party hats (pack of 12)", None, 400, 24),
            ("Reindeer antler headband", None, 650, 0),
            ("Sparkler candles (pack of 10)", None, 350, 24),
        ],
    );

    // 181–190: kitchen novelties.
    let kitchen = Family {
        supplier: SUP_COPPERLEAF,
        unit: PKG_EACH,
        outer: PKG_CARTON,
        brand: None,
        lead: 14,
        qpo: 6,
        grams: 400,
        groups: &[GRP_NOVELTY, GRP_DRINKWARE],
        marketing: Some("A clever gift for the kitchen."),
        tags: &["Kitchen"],
        country: "China",
        barcode: true,
    };
    b.simple(
        &kitchen,
        &[
            ("Anchor bottle opener (Bronze)", Some("Bronze"), 900, 12),
            ("Geometric ice cube tray", None, 750, 12),
            ("Bamboo cheese board set", None, 3400, 4),
            ("Cocktail shaker set (Copper)", Some("Copper"), 3900, 4),
            ("Bicycle pizza cutter", None, 1200, 0),
            ("Salt and pepper robots (pair)", None, 1600, 0),
            ("Herb keeper jar", None, 1400, 0),
            ("Submarine tea infuser", None, 800, 12),
            ("Dinosaur cookie cutter set", None, 1100, 0),
            ("Chef's apron (Navy)", Some("Navy"), 1500, 0),
        ],
    );
    b.edit("Salt and pepper robots (pair)", |it| it.unit_package = PKG_PAIR);

    // 191–200: home decor.
    let decor = Family {
        supplier: SUP_BLUEFIN,
        unit: PKG_EACH,
        outer: PKG_CARTON,
        brand: None,
        lead: 28,
        qpo: 4,
        grams: 800,
        groups: &[GRP_NOVELTY],
        marketing: None,
        tags: &["Home"],
        country: "China",
        barcode: true,
    };
    b.simple(
        &decor,
        &[
            ("Neon sign lamp - cactus", None, 3200, 0),
            ("Neon sign lamp - crescent moon", None, 3200, 0),
            ("Motion lamp (Purple)", Some("Purple"), 2900, 0),
            ("Fairy jar light", None, 1400, 6),
            ("Glass terrarium kit", None, 3600, 0),
            ("Retro flip clock (Cream)", Some("Cream"), 4200, 0),
            ("Scented candle - sea breeze", None, 1500, 6),
            ("Scented candle - cedarwood", None, 1500, 6),
            ("Photo string clips (20 pack)", None, 700, 12),
            ("Ceramic desk plant pot (Mint)", Some("Mint"), 1100, 6),
        ],
    );

    // 201–219: bags and accessories.
    let bags = Family {
        supplier: SUP_IRONBARK,
        unit: PKG_EACH,
        outer: PKG_CARTON,
        brand: None,
        lead: 21,
        qpo: 10,
        grams: 300,
        groups: &[GRP_CLOTHING, GRP_NOVELTY],
        marketing: None,
        tags: &["Travel"],
        country: "India",
        barcode: true,
    };
    b.simple(
        &bags,
        &[
            ("Canvas tote bag (Cream)", Some("Cream"), 1100, 0),
            ("Canvas tote bag (Black)", Some("Black"), 1100, 0),
            ("Drawstring gym bag (Navy)", Some("Navy"), 900, 0),
            ("Laptop sleeve 13in (Grey)", Some("Grey"), 2200, 5),
            ("Laptop sleeve 15in (Grey)", Some("Grey"), 2500, 5),
            ("Enamel pin set - space (5)", None, 1200, 0),
            ("Enamel pin set - ocean (5)", None, 1200, 0),
            ("Bucket hat (Khaki)", Some("Khaki"), 1600, 0),
            ("Knit beanie (Burgundy)", Some("Burgundy"), 1300, 0),
            ("Knit beanie (Forest Green)", Some("Forest Green"), 1300, 0),
            ("Retro round sunglasses (Brown)", Some("Brown"), 1400, 0),
            ("Compact umbrella (Black)", Some("Black"), 1700, 0),
            ("Keychain multitool (Silver)", Some("Silver"), 1000, 12),
            ("Lanyard (Teal)", Some("Teal"), 350, 25),
            ("Passport wallet (Tan)", Some("Tan"), 1900, 0),
            ("Memory foam travel pillow (Grey)", Some("Grey"), 2100, 6),
            ("Luggage tag set (pair)", None, 800, 0),
            ("Rain poncho (Yellow)", Some("Yellow"), 600, 20),
            ("Water bottle sling (Olive)", Some("Olive"), 1400, 0),
        ],
    );
    b.edit("Luggage tag set (pair)", |it| it.unit_package = PKG_PAIR);

    // 220–227: chilled chocolates, added in January 2016.
    let chilled = Family {
        supplier: SUP_LUMEN,
        unit: PKG_EACH,
        outer: PKG_CARTON,
        brand: Some("Lumen"),
        lead: 7,
        qpo: 24,
        grams: 110,
        groups: &[GRP_CONFECTIONERY],
        marketing: Some("Keep refrigerated."),
        tags: &["Chilled"],
        country: "Belgium",
        barcode: true,
    };
    for (name, cents, unit, qpo, added) in [
        ("Dark chocolate sea salt bar 100g", 420, PKG_EACH, 24, (2016, 1, 1)),
        ("Milk chocolate hazelnut bar 100g", 420, PKG_EACH, 24, (2016, 1, 1)),
        ("Chocolate coated almonds 250g", 890, PKG_BAG, 24, (2016, 1, 2)),
        ("Chocolate truffle box (12)", 1600, PKG_BOX, 12, (2016, 1, 2)),
        ("White chocolate raspberry bar 100g", 450, PKG_EACH, 24, (2016, 1, 4)),
        ("Chocolate coated coffee beans 200g", 780, PKG_BAG, 24, (2016, 1, 4)),
        ("Mint chocolate thins 200g", 690, PKG_BOX, 24, (2016, 1, 5)),
        ("Chilli dark chocolate bar 100g", 450, PKG_EACH, 24, (2016, 1, 5)),
    ] {
        let item = b.add(&chilled, name, None, None, cents);
        item.unit_package = unit;
        item.quantity_per_outer = qpo;
        item.chiller = true;
        item.tax_rate_milli = 10_000;
        item.added = NaiveDate::from_ymd_opt(added.0, added.1, added.2);
    }

    b.items
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeSet;

    #[test]
    fn catalog_has_the_wwi_shape() {
        let items = catalog();
        assert_eq!(items.len(), 227);
        assert!(items.iter().enumerate().all(|(i, it)| it.id == i as i64 + 1));
        let names: BTreeSet<&str> = items.iter().map(|i| i.name.as_str()).collect();
        assert_eq!(names.len(), 227, "names must be unique");
        let chilled: Vec<i64> = items.iter().filter(|i| i.chiller).map(|i| i.id).collect();
        assert_eq!(chilled, (220..=227).collect::<Vec<_>>());
        let added: Vec<i64> = items.iter().filter(|i| i.added.is_some()).map(|i| i.id).collect();
        assert_eq!(added, chilled);
        for it in &items {
            assert!(it.unit_price_cents > 0 && it.quantity_per_outer > 0, "{}", it.name);
            assert!(it.name.len() <= 100 && !it.groups.is_empty(), "{}", it.name);
            assert!((1..=14).contains(&it.unit_package) && (1..=14).contains(&it.outer_package));
            assert!((1..=13).contains(&it.supplier));
            if let Some(c) = it.color {
                assert!(it.color_id().is_some(), "unknown colour {c}");
            }
        }
    }

    #[test]
    fn every_colour_in_a_name_is_the_items_colour() {
        for it in catalog() {
            for c in COLORS {
                if it.name.contains(&format!("({c})")) {
                    assert_eq!(it.color, Some(c), "{}", it.name);
                }
            }
        }
    }

    #[test]
    fn barcodes_have_valid_check_digits() {
        assert_eq!(ean_check_digit("400638133393"), 1);
        for it in catalog() {
            if let Some(code) = it.barcode_text() {
                assert_eq!(code.len(), 13);
                let check = ean_check_digit(&code[..12]);
                assert_eq!(code[12..].parse::<u32>().ok(), Some(check));
            }
        }
    }

    #[test]
    fn money_helpers_stay_in_cents() {
        let it = &catalog()[0];
        assert_eq!(it.unit_price_cents, 1300);
        assert_eq!(it.rrp_cents(), 1944); // 13.00 × 1.495 = 19.435 → 19.44
        assert!(it.custom_fields().contains("\"Tags\":[\"Comedy\"]"));
    }
}
