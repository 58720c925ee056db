//! The AI cost page's URL: `from`, `to` (Asia/Shanghai days), `scope` (`all` | `ai`), and for the
//! drill-down `provider` and `product`.

use chrono::{Duration, NaiveDate};

use super::model::{CostFilter, CostQuery, Provider};
use crate::calendar::DateRange;
use crate::url_query::{ParamError, Problem, Query};

pub const SCOPES: [(&str, CostFilter); 2] = [("all", CostFilter::All), ("ai", CostFilter::Ai)];

#[derive(Clone, Debug, PartialEq)]
pub struct CostParams {
    pub query: CostQuery,
    pub provider: Option<Provider>,
    pub product: Option<String>,
}

/// Absent dates give the last 30 days up to `today`.
pub fn parse(raw: &[(String, String)], today: NaiveDate) -> Result<CostParams, ParamError> {
    let q = Query(raw);
    let range = q.range(DateRange { from: today - Duration::days(29), to: today })?;
    let filter = q.choice("scope", &SCOPES)?;
    let provider = match q.get("provider") {
        None => None,
        Some(v) => Some(Provider::from_slug(v).ok_or_else(|| ParamError {
            param: "provider".into(),
            problem: Problem::UnknownChoice { value: v.chars().take(40).collect(), allowed: Provider::ALL.iter().map(|p| p.slug().to_string()).collect() },
        })?),
    };
    let product = q.get("product").map(|p| p.chars().take(100).collect());
    Ok(CostParams { query: CostQuery { from: range.from, to: range.to, filter }, provider, product })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::url_query::raw_query as raw;

    #[test]
    fn defaults_and_errors() {
        let today = NaiveDate::from_ymd_opt(2026, 11, 25).unwrap();
        let p = parse(&[], today).unwrap();
        assert_eq!((p.query.from.to_string(), p.query.to.to_string()), ("2026-10-27".into(), "2026-11-25".into()));
        assert_eq!(p.query.filter, CostFilter::All);
        let p = parse(&raw(&[("scope", "ai"), ("provider", "volcengine"), ("product", "ark")]), today).unwrap();
        assert_eq!((p.query.filter, p.provider, p.product.as_deref()), (CostFilter::Ai, Some(Provider::Volcengine), Some("ark")));
        assert_eq!(parse(&raw(&[("provider", "aws")]), today).unwrap_err().param, "provider");
        assert_eq!(parse(&raw(&[("scope", "x")]), today).unwrap_err().param, "scope");
        assert!(matches!(parse(&raw(&[("from", "2026-12-01")]), today).unwrap_err().problem, Problem::FromAfterTo { .. }));
    }
}
