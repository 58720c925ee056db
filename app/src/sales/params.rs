//! URL query → validated analysis parameters. Shared by browser and server: the server function
//! is the authority (it answers 400 with a [`ParamError`]), the page uses the same rules.

use chrono::{Datelike, Months};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use super::model::*;

pub use crate::url_query::{ParamError, Problem, RawQuery};
use crate::calendar::last_of_month;
use crate::url_query::{err, Query};

pub const MAX_TOP: u32 = 500;

/// Every validated parameter set, one variant per analysis.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub enum AnalysisParams {
    TopSellers(TopSellersParams),
    Affinity(AffinityParams),
    Inventory(InventoryParams),
    Customers(CustomerParams),
    Seasonal(SeasonalParams),
}

impl AnalysisParams {
    pub fn range(&self) -> DateRange {
        match self {
            AnalysisParams::TopSellers(p) => p.range,
            AnalysisParams::Affinity(p) => p.range,
            AnalysisParams::Inventory(p) => p.range,
            AnalysisParams::Customers(p) => p.range,
            AnalysisParams::Seasonal(p) => p.range,
        }
    }

    /// The revenue basis; None for inventory, whose demand is always counted on orders.
    pub fn basis(&self) -> Option<Basis> {
        match self {
            AnalysisParams::TopSellers(p) => Some(p.basis),
            AnalysisParams::Affinity(p) => Some(p.basis),
            AnalysisParams::Inventory(_) => None,
            AnalysisParams::Customers(p) => Some(p.basis),
            AnalysisParams::Seasonal(p) => Some(p.basis),
        }
    }
}

/// The last `months` full calendar months of the data (the seed's fixed 2016-01-01 cut, made
/// relative). A month counts as full when the data reaches its last day.
pub fn default_range(span: DataSpan, months: u32) -> DateRange {
    let to = if last_of_month(span.last) == span.last {
        span.last
    } else {
        span.last.with_day(1).and_then(|d| d.pred_opt()).filter(|d| *d >= span.first).unwrap_or(span.last)
    };
    let from = to
        .with_day(1)
        .and_then(|d| d.checked_sub_months(Months::new(months.saturating_sub(1))))
        .unwrap_or(span.first);
    DateRange { from, to }
}

/// Months in the default range: five like the seed, twelve for seasonality (a season needs a year).
pub fn default_months(kind: AnalysisKind) -> u32 {
    match kind {
        AnalysisKind::Seasonal => 12,
        _ => 5,
    }
}

/// The seed's spend tiers were set for the default range; a longer or shorter range scales them
/// by its length (whole currency units), so a year's customers are not all VIPs.
pub fn scaled_thresholds(range: DateRange, reference_days: i64) -> CustomerThresholds {
    let d = CustomerThresholds::default();
    if reference_days <= 0 || range.days() == reference_days {
        return d;
    }
    let factor = Decimal::from(range.days()) / Decimal::from(reference_days);
    let scale = |v: Decimal| (v * factor).round_dp(0).max(Decimal::ONE);
    CustomerThresholds { vip_above: scale(d.vip_above), premium_above: scale(d.premium_above), regular_above: scale(d.regular_above), ..d }
}

/// The form's quick ranges, relative to the data's last date like the default range:
/// (key, range) for 本月 (the month of the last date), 上月 (the month before) and 近 90 天.
pub fn presets(span: DataSpan) -> [(&'static str, DateRange); 3] {
    let last = span.last;
    let this_month = last.with_day(1).unwrap_or(last);
    let prev_end = this_month.pred_opt().unwrap_or(this_month);
    let prev_start = prev_end.with_day(1).unwrap_or(prev_end);
    let ninety = last.checked_sub_days(chrono::Days::new(89)).unwrap_or(span.first);
    [
        ("this_month", DateRange { from: this_month, to: last }),
        ("last_month", DateRange { from: prev_start, to: prev_end }),
        ("last_90_days", DateRange { from: ninety, to: last }),
    ]
}

/// What only the sales analyses read from a query.
pub(crate) trait SalesQuery {
    fn dir(&self, default: SortDir) -> Result<SortDir, ParamError>;
    fn top(&self, default: u32) -> Result<u32, ParamError>;
    fn basis(&self, span: DataSpan) -> Result<Basis, ParamError>;
}

impl SalesQuery for Query<'_> {
    /// The sort direction; absent takes the sort key's own default.
    fn dir(&self, default: SortDir) -> Result<SortDir, ParamError> {
        Ok(self.optional_choice("dir", &SORT_DIRS)?.unwrap_or(default))
    }

    fn top(&self, default: u32) -> Result<u32, ParamError> {
        Ok(self.int("top", default.into(), 1, MAX_TOP.into())? as u32)
    }

    /// `basis`: invoiced by default where the warehouse has invoices, else ordered; asking for
    /// invoiced figures of a warehouse without invoices is an error, not a silent switch.
    fn basis(&self, span: DataSpan) -> Result<Basis, ParamError> {
        if self.get("basis").is_none() {
            return Ok(if span.invoices { Basis::Invoiced } else { Basis::Ordered });
        }
        let basis = self.choice("basis", &BASES)?;
        if basis == Basis::Invoiced && !span.invoices {
            return Err(err("basis", Problem::NoInvoices));
        }
        Ok(basis)
    }
}

/// Revenue bases as they appear in the URL.
pub const BASES: [(&str, Basis); 2] = [("invoiced", Basis::Invoiced), ("ordered", Basis::Ordered)];

/// The URL value of a basis.
pub fn basis_key(basis: Basis) -> &'static str {
    BASES.iter().find(|(_, b)| *b == basis).map(|(k, _)| *k).unwrap_or("ordered")
}

pub const SORT_DIRS: [(&str, SortDir); 2] = [("asc", SortDir::Asc), ("desc", SortDir::Desc)];

/// Sort choices as they appear in the URL; the first is the default.
pub const TOP_SELLERS_SORTS: [(&str, TopSellersSort); 5] = [
    ("revenue", TopSellersSort::Revenue),
    ("quantity", TopSellersSort::Quantity),
    ("customers", TopSellersSort::Customers),
    ("avg_price", TopSellersSort::AvgPrice),
    ("name", TopSellersSort::Name),
];
pub const AFFINITY_SORTS: [(&str, AffinitySort); 6] = [
    ("lift", AffinitySort::Lift),
    ("confidence", AffinitySort::Confidence),
    ("confidence_ab", AffinitySort::ConfidenceAb),
    ("confidence_ba", AffinitySort::ConfidenceBa),
    ("support", AffinitySort::Support),
    ("co", AffinitySort::CoOccurrence),
];
pub const INVENTORY_SORTS: [(&str, InventorySort); 10] = [
    ("frequency", InventorySort::OrderFrequency),
    ("cover", InventorySort::DaysOfCover),
    ("stock", InventorySort::Stock),
    ("revenue", InventorySort::Revenue),
    ("name", InventorySort::Name),
    ("reorder", InventorySort::ReorderLevel),
    ("cost", InventorySort::Cost),
    ("units", InventorySort::UnitsSold),
    ("avg_demand", InventorySort::AvgDemand),
    ("daily", InventorySort::DailyDemand),
];
pub const CUSTOMER_SORTS: [(&str, CustomerSort); 8] = [
    ("spent", CustomerSort::Spent),
    ("orders", CustomerSort::Orders),
    ("recency", CustomerSort::Recency),
    ("name", CustomerSort::Name),
    ("region", CustomerSort::Region),
    ("aov", CustomerSort::AvgOrderValue),
    ("products", CustomerSort::Products),
    ("last_order", CustomerSort::LastOrder),
];
pub const SEASONAL_SORTS: [(&str, SeasonalSort); 3] =
    [("revenue", SeasonalSort::Revenue), ("quantity", SeasonalSort::Quantity), ("name", SeasonalSort::Name)];
pub const SEASONAL_MEASURES: [(&str, SeasonalMeasure); 2] =
    [("revenue", SeasonalMeasure::Revenue), ("quantity", SeasonalMeasure::Quantity)];

/// Filter choices (`status=`, `tier=`); absent means all.
pub const STOCK_STATUSES: [(&str, StockStatus); 4] = [
    ("critical", StockStatus::Critical),
    ("low", StockStatus::Low),
    ("normal", StockStatus::Normal),
    ("excess", StockStatus::Excess),
];
pub const CUSTOMER_STATUSES: [(&str, CustomerStatus); 3] =
    [("active", CustomerStatus::Active), ("at_risk", CustomerStatus::AtRisk), ("inactive", CustomerStatus::Inactive)];
pub const CUSTOMER_TIERS: [(&str, CustomerTier); 4] = [
    ("vip", CustomerTier::Vip),
    ("premium", CustomerTier::Premium),
    ("regular", CustomerTier::Regular),
    ("basic", CustomerTier::Basic),
];

/// The URL name of a choice (the reverse of [`Query::choice`]).
pub fn choice_key<T: PartialEq + Copy>(choices: &[(&'static str, T)], v: T) -> &'static str {
    choices.iter().find(|(_, c)| *c == v).map(|(k, _)| *k).unwrap_or_default()
}

/// Default excess threshold: more than a year of stock at the range's demand.
pub const DEFAULT_EXCESS_DAYS: i64 = 365;

// Each key's natural direction when `dir` is absent: names A→Z, the short end of cover, stock
// and recency first (what needs attention), the biggest figure first otherwise.
impl TopSellersSort {
    pub fn default_dir(self) -> SortDir {
        if self == TopSellersSort::Name { SortDir::Asc } else { SortDir::Desc }
    }
}
impl AffinitySort {
    pub fn default_dir(self) -> SortDir {
        SortDir::Desc
    }
}
impl InventorySort {
    pub fn default_dir(self) -> SortDir {
        match self {
            InventorySort::Name | InventorySort::DaysOfCover | InventorySort::Stock => SortDir::Asc,
            _ => SortDir::Desc,
        }
    }
}
impl CustomerSort {
    pub fn default_dir(self) -> SortDir {
        match self {
            CustomerSort::Name | CustomerSort::Region | CustomerSort::Recency => SortDir::Asc,
            _ => SortDir::Desc,
        }
    }
}
impl SeasonalSort {
    pub fn default_dir(self) -> SortDir {
        if self == SeasonalSort::Name { SortDir::Asc } else { SortDir::Desc }
    }
}

/// Validates the query of one analysis; absent values take the seed's defaults and the
/// default date range of the data.
pub fn parse(kind: AnalysisKind, raw: &[(String, String)], span: DataSpan) -> Result<AnalysisParams, ParamError> {
    let q = Query(raw);
    let range = q.range(default_range(span, default_months(kind)))?;
    Ok(match kind {
        AnalysisKind::TopSellers => {
            let sort = q.choice("sort", &TOP_SELLERS_SORTS)?;
            AnalysisParams::TopSellers(TopSellersParams {
                range,
                top: q.top(10)?,
                sort,
                dir: q.dir(sort.default_dir())?,
                basis: q.basis(span)?,
            })
        }
        AnalysisKind::Affinity => {
            let sort = q.choice("sort", &AFFINITY_SORTS)?;
            AnalysisParams::Affinity(AffinityParams {
                range,
                top: q.top(20)?,
                min_co: q.int("min_co", 5, 1, 1_000_000)? as u32,
                sort,
                dir: q.dir(sort.default_dir())?,
                basis: q.basis(span)?,
            })
        }
        AnalysisKind::Inventory => {
            let critical_at = q.int("critical", 50, 0, 1_000_000_000)?;
            let low_at = q.int("low", 200, 0, 1_000_000_000)?;
            if critical_at >= low_at {
                return Err(err("critical", Problem::MustBeBelow { other: "low".into() }));
            }
            let sort = q.choice("sort", &INVENTORY_SORTS)?;
            AnalysisParams::Inventory(InventoryParams {
                range,
                top: q.top(30)?,
                critical_at,
                low_at,
                excess_days: q.int("excess", DEFAULT_EXCESS_DAYS, 1, 36_500)?,
                status: q.optional_choice("status", &STOCK_STATUSES)?,
                sort,
                dir: q.dir(sort.default_dir())?,
            })
        }
        AnalysisKind::Customers => {
            let d = scaled_thresholds(range, default_range(span, default_months(kind)).days());
            let t = CustomerThresholds {
                vip_above: q.amount("vip", d.vip_above)?,
                premium_above: q.amount("premium", d.premium_above)?,
                regular_above: q.amount("regular", d.regular_above)?,
                active_within_days: q.int("active_days", d.active_within_days, 0, 3650)?,
                at_risk_within_days: q.int("risk_days", d.at_risk_within_days, 0, 3650)?,
            };
            if t.premium_above >= t.vip_above {
                return Err(err("premium", Problem::MustBeBelow { other: "vip".into() }));
            }
            if t.regular_above >= t.premium_above {
                return Err(err("regular", Problem::MustBeBelow { other: "premium".into() }));
            }
            if t.active_within_days >= t.at_risk_within_days {
                return Err(err("active_days", Problem::MustBeBelow { other: "risk_days".into() }));
            }
            let sort = q.choice("sort", &CUSTOMER_SORTS)?;
            AnalysisParams::Customers(CustomerParams {
                range,
                top: q.top(20)?,
                thresholds: t,
                status: q.optional_choice("status", &CUSTOMER_STATUSES)?,
                tier: q.optional_choice("tier", &CUSTOMER_TIERS)?,
                sort,
                dir: q.dir(sort.default_dir())?,
                basis: q.basis(span)?,
            })
        }
        AnalysisKind::Seasonal => {
            let sort = q.choice("sort", &SEASONAL_SORTS)?;
            AnalysisParams::Seasonal(SeasonalParams {
                range,
                top: q.int("top", 10, 1, 50)? as u32,
                sort,
                dir: q.dir(sort.default_dir())?,
                measure: q.choice("measure", &SEASONAL_MEASURES)?,
                basis: q.basis(span)?,
            })
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::NaiveDate;

    fn day(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }
    const SPAN: DataSpan = DataSpan {
        first: NaiveDate::from_ymd_opt(2013, 1, 1).unwrap(),
        last: NaiveDate::from_ymd_opt(2016, 5, 31).unwrap(),
        invoices: true,
    };
    fn q(pairs: &[(&str, &str)]) -> RawQuery {
        pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
    }

    #[test]
    fn default_range_is_the_last_five_full_months() {
        assert_eq!(default_range(SPAN, 5), DateRange { from: day("2016-01-01"), to: day("2016-05-31") });
        let partial = DataSpan { last: day("2016-05-30"), ..SPAN };
        assert_eq!(default_range(partial, 5), DateRange { from: day("2015-12-01"), to: day("2016-04-30") });
        assert_eq!(default_range(SPAN, 12).from, day("2015-06-01"));
    }

    #[test]
    fn defaults_are_the_seeds() {
        let AnalysisParams::Inventory(p) = parse(AnalysisKind::Inventory, &[], SPAN).unwrap() else { panic!() };
        assert_eq!((p.critical_at, p.low_at, p.top, p.sort), (50, 200, 30, InventorySort::OrderFrequency));
        let AnalysisParams::Customers(p) = parse(AnalysisKind::Customers, &[], SPAN).unwrap() else { panic!() };
        assert_eq!(p.thresholds, CustomerThresholds::default());
    }

    #[test]
    fn explicit_values_are_used() {
        let raw = q(&[("from", "2015-03-01"), ("to", "2015-03-31"), ("top", "7"), ("min_co", "2"), ("sort", "support")]);
        let AnalysisParams::Affinity(p) = parse(AnalysisKind::Affinity, &raw, SPAN).unwrap() else { panic!() };
        assert_eq!(p.range, DateRange { from: day("2015-03-01"), to: day("2015-03-31") });
        assert_eq!((p.top, p.min_co, p.sort), (7, 2, AffinitySort::Support));
    }

    #[test]
    fn spend_tiers_scale_with_the_range_unless_given() {
        // The default range (153 days) keeps the seed's values.
        let AnalysisParams::Customers(p) = parse(AnalysisKind::Customers, &[], SPAN).unwrap() else { panic!() };
        assert_eq!(p.thresholds, CustomerThresholds::default());
        let year = q(&[("from", "2015-06-01"), ("to", "2016-05-31")]);
        let AnalysisParams::Customers(p) = parse(AnalysisKind::Customers, &year, SPAN).unwrap() else { panic!() };
        // 366 / 152 days × 50,000.
        assert_eq!(p.thresholds.vip_above, Decimal::from(120_395));
        assert_eq!(p.thresholds.regular_above, Decimal::from(12_039));
        let given = q(&[("from", "2015-06-01"), ("to", "2016-05-31"), ("vip", "60000")]);
        let AnalysisParams::Customers(p) = parse(AnalysisKind::Customers, &given, SPAN).unwrap() else { panic!() };
        assert_eq!(p.thresholds.vip_above, Decimal::from(60_000));
    }

    #[test]
    fn presets_follow_the_last_date_of_the_data() {
        let [(_, this), (_, last), (_, ninety)] = presets(SPAN);
        assert_eq!(this, DateRange { from: day("2016-05-01"), to: day("2016-05-31") });
        assert_eq!(last, DateRange { from: day("2016-04-01"), to: day("2016-04-30") });
        assert_eq!(ninety, DateRange { from: day("2016-03-03"), to: day("2016-05-31") });
        assert_eq!(ninety.days(), 90);
    }

    #[test]
    fn bad_input_is_named() {
        let e = |kind, pairs: &[(&str, &str)]| parse(kind, &q(pairs), SPAN).unwrap_err();
        assert_eq!(e(AnalysisKind::TopSellers, &[("from", "2016-13-01")]).problem, Problem::NotADate("2016-13-01".into()));
        assert!(matches!(e(AnalysisKind::TopSellers, &[("from", "2016-05-01"), ("to", "2016-01-01")]).problem, Problem::FromAfterTo { .. }));
        assert_eq!(e(AnalysisKind::TopSellers, &[("top", "-3")]).problem, Problem::OutOfRange { min: 1, max: 500 });
        assert_eq!(e(AnalysisKind::TopSellers, &[("top", "99999999999999999999")]).problem, Problem::NotAWholeNumber("99999999999999999999".into()));
        assert!(matches!(e(AnalysisKind::Affinity, &[("sort", "magic")]).problem, Problem::UnknownChoice { .. }));
        assert_eq!(e(AnalysisKind::Inventory, &[("critical", "300")]).param, "critical");
        assert_eq!(e(AnalysisKind::Customers, &[("vip", "1e9")]).problem, Problem::NotAnAmount("1e9".into()));
        assert_eq!(e(AnalysisKind::Customers, &[("premium", "60000")]).param, "premium");
        assert!(matches!(e(AnalysisKind::Seasonal, &[("from", "1900-01-01")]).problem, Problem::RangeTooLong { .. }));
    }

    #[test]
    fn direction_defaults_per_key_and_can_be_given() {
        let parse_top = |pairs: &[(&str, &str)]| match parse(AnalysisKind::TopSellers, &q(pairs), SPAN).unwrap() {
            AnalysisParams::TopSellers(p) => (p.sort, p.dir),
            _ => panic!(),
        };
        assert_eq!(parse_top(&[]), (TopSellersSort::Revenue, SortDir::Desc));
        assert_eq!(parse_top(&[("sort", "name")]), (TopSellersSort::Name, SortDir::Asc));
        assert_eq!(parse_top(&[("sort", "quantity"), ("dir", "asc")]), (TopSellersSort::Quantity, SortDir::Asc));
        let AnalysisParams::Inventory(p) = parse(AnalysisKind::Inventory, &q(&[("sort", "cover")]), SPAN).unwrap() else { panic!() };
        assert_eq!((p.sort, p.dir), (InventorySort::DaysOfCover, SortDir::Asc));
        let AnalysisParams::Customers(p) = parse(AnalysisKind::Customers, &q(&[("sort", "recency"), ("dir", "desc")]), SPAN).unwrap() else { panic!() };
        assert_eq!((p.sort, p.dir), (CustomerSort::Recency, SortDir::Desc));
        let AnalysisParams::Seasonal(p) = parse(AnalysisKind::Seasonal, &q(&[("dir", "asc"), ("measure", "quantity")]), SPAN).unwrap() else { panic!() };
        assert_eq!((p.sort, p.dir, p.measure), (SeasonalSort::Revenue, SortDir::Asc, SeasonalMeasure::Quantity));
        // An empty value (a form's blank field) counts as absent.
        assert_eq!(parse_top(&[("dir", "")]), (TopSellersSort::Revenue, SortDir::Desc));
        for kind in AnalysisKind::ALL {
            let e = parse(kind, &q(&[("dir", "up")]), SPAN).unwrap_err();
            assert_eq!(e.param, "dir");
            assert_eq!(e.problem, Problem::UnknownChoice { value: "up".into(), allowed: vec!["asc".into(), "desc".into()] });
        }
    }

    #[test]
    fn filters_are_optional_and_validated() {
        let AnalysisParams::Customers(p) = parse(AnalysisKind::Customers, &[], SPAN).unwrap() else { panic!() };
        assert_eq!((p.status, p.tier), (None, None));
        let raw = q(&[("status", "at_risk"), ("tier", "basic")]);
        let AnalysisParams::Customers(p) = parse(AnalysisKind::Customers, &raw, SPAN).unwrap() else { panic!() };
        assert_eq!((p.status, p.tier), (Some(CustomerStatus::AtRisk), Some(CustomerTier::Basic)));
        let AnalysisParams::Inventory(p) = parse(AnalysisKind::Inventory, &[], SPAN).unwrap() else { panic!() };
        assert_eq!((p.status, p.excess_days), (None, DEFAULT_EXCESS_DAYS));
        let raw = q(&[("status", "excess"), ("excess", "200")]);
        let AnalysisParams::Inventory(p) = parse(AnalysisKind::Inventory, &raw, SPAN).unwrap() else { panic!() };
        assert_eq!((p.status, p.excess_days), (Some(StockStatus::Excess), 200));
        let e = |kind, pairs: &[(&str, &str)]| parse(kind, &q(pairs), SPAN).unwrap_err();
        let bad = e(AnalysisKind::Customers, &[("status", "gone")]);
        assert_eq!((bad.param.as_str(), bad.problem), ("status", Problem::UnknownChoice {
            value: "gone".into(),
            allowed: vec!["active".into(), "at_risk".into(), "inactive".into()],
        }));
        assert!(matches!(e(AnalysisKind::Customers, &[("tier", "gold")]).problem, Problem::UnknownChoice { .. }));
        assert!(matches!(e(AnalysisKind::Inventory, &[("status", "at_risk")]).problem, Problem::UnknownChoice { .. }));
        assert_eq!(e(AnalysisKind::Inventory, &[("excess", "0")]).problem, Problem::OutOfRange { min: 1, max: 36_500 });
        assert_eq!(e(AnalysisKind::Inventory, &[("excess", "a year")]).param, "excess");
        assert!(matches!(e(AnalysisKind::Seasonal, &[("measure", "profit")]).problem, Problem::UnknownChoice { .. }));
    }

    #[test]
    fn basis_defaults_to_invoiced_where_there_are_invoices() {
        let basis = |kind, pairs: &[(&str, &str)], span| parse(kind, &q(pairs), span).map(|p| p.basis());
        let orders_only = DataSpan { invoices: false, ..SPAN };
        for kind in [AnalysisKind::TopSellers, AnalysisKind::Affinity, AnalysisKind::Customers, AnalysisKind::Seasonal] {
            assert_eq!(basis(kind, &[], SPAN), Ok(Some(Basis::Invoiced)), "{kind:?}");
            assert_eq!(basis(kind, &[], orders_only), Ok(Some(Basis::Ordered)), "{kind:?}");
            assert_eq!(basis(kind, &[("basis", "ordered")], SPAN), Ok(Some(Basis::Ordered)), "{kind:?}");
            assert_eq!(basis(kind, &[("basis", " invoiced ")], SPAN), Ok(Some(Basis::Invoiced)), "{kind:?}");
            assert_eq!(basis(kind, &[("basis", "")], orders_only), Ok(Some(Basis::Ordered)), "{kind:?}");
        }
        // Inventory demand is what was ordered, whatever the URL says.
        assert_eq!(basis(AnalysisKind::Inventory, &[("basis", "ordered")], SPAN), Ok(None));
        assert_eq!(basis_key(Basis::Invoiced), "invoiced");
        assert_eq!(basis_key(Basis::Ordered), "ordered");
    }

    #[test]
    fn a_bad_basis_is_named() {
        let e = |pairs: &[(&str, &str)], span| parse(AnalysisKind::TopSellers, &q(pairs), span).unwrap_err();
        let unknown = e(&[("basis", "shipped")], SPAN);
        assert_eq!(unknown.param, "basis");
        assert_eq!(
            unknown.problem,
            Problem::UnknownChoice { value: "shipped".into(), allowed: vec!["invoiced".into(), "ordered".into()] }
        );
        let missing = e(&[("basis", "invoiced")], DataSpan { invoices: false, ..SPAN });
        assert_eq!((missing.param.as_str(), missing.problem), ("basis", Problem::NoInvoices));
        assert_eq!(e(&[("basis", "Invoiced")], SPAN).param, "basis", "values are exact, like sort");
    }
}
