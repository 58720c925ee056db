//! The AI cost page's numbers, computed from stored lines with Decimal (never floats).

use std::collections::BTreeMap;

use chrono::{Datelike, NaiveDate};

use super::model::*;
use super::{coverage, pricing, store};
use crate::error::AppError;
use super::providers::ProviderClient;
use super::sync::BillingServices;


fn keep(filter: CostFilter, l: &BillLine) -> bool {
    filter == CostFilter::All || l.ai_service
}

/// UTC RFC 3339 text of the first instant of a Shanghai day.
fn shanghai_start(day: NaiveDate) -> String {
    crate::calendar::shanghai_midnight(day).to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
}

#[tracing::instrument(skip(billing))]
pub async fn overview(billing: &BillingServices, q: CostQuery) -> Result<CostOverview, AppError> {
    let today = crate::calendar::shanghai_today();
    let month_start = today.with_day(1).unwrap_or(today);
    let rate = billing.config.usd_cny;
    // One read covers the range, this month and today.
    let from = q.from.min(month_start);
    let to = q.to.max(today);
    let lines: Vec<BillLine> = store::lines_between(&billing.store, from, to)
        .await?
        .into_iter()
        .map(|v| v.line)
        .filter(|l| keep(q.filter, l))
        .collect();
    let in_range = |l: &BillLine| match l.date {
        Some(d) => d >= q.from && d <= q.to,
        None => l.billing_cycle <= q.to && l.billing_cycle >= q.from.with_day(1).unwrap_or(q.from),
    };
    let (mut total, mut this_month, mut today_cost, mut studio) = (Mixed::default(), Mixed::default(), Mixed::default(), Mixed::default());
    let mut per_platform: BTreeMap<Provider, Mixed> = BTreeMap::new();
    let mut daily: BTreeMap<(NaiveDate, Provider), rust_decimal::Decimal> = BTreeMap::new();
    let mut products: BTreeMap<(Provider, String), ProductCost> = BTreeMap::new();
    let mut has_monthly_only = false;
    for l in &lines {
        if l.billing_cycle == month_start {
            this_month.add(l.currency, l.payable);
        }
        if l.date == Some(today) {
            today_cost.add(l.currency, l.payable);
        }
        if !in_range(l) {
            continue;
        }
        total.add(l.currency, l.payable);
        per_platform.entry(l.provider).or_default().add(l.currency, l.payable);
        match l.date {
            Some(d) => {
                let one = Mixed { cny: if l.currency == Currency::Cny { l.payable } else { Default::default() }, usd: if l.currency == Currency::Usd { l.payable } else { Default::default() } };
                *daily.entry((d, l.provider)).or_default() += one.in_cny(rate);
            }
            None => has_monthly_only = true,
        }
        if l.provider == Provider::Aliyun && l.ai_service {
            studio.add(l.currency, l.payable);
        }
        let p = products.entry((l.provider, l.product_code.clone())).or_insert_with(|| ProductCost {
            provider: l.provider,
            product_code: l.product_code.clone(),
            product_name: l.product_name.clone(),
            ai_service: l.ai_service,
            payable: Mixed::default(),
            pretax: Mixed::default(),
            lines: 0,
        });
        p.payable.add(l.currency, l.payable);
        p.pretax.add(l.currency, l.pretax);
        p.lines += 1;
    }
    let balances = store::latest_balances(&billing.store).await?;
    let accounts = billing.clients().await?;
    let platforms = Provider::ALL
        .into_iter()
        .map(|p| {
            let clients: Vec<_> = accounts.iter().filter(|c| c.account().provider == p).collect();
            let mut balance: Option<Mixed> = None;
            for b in balances.iter().filter(|b| b.provider == p && clients.iter().any(|c| c.account().name == b.account)) {
                balance.get_or_insert_with(Mixed::default).add(b.currency, b.available);
            }
            PlatformCost {
                provider: p,
                configured: !clients.is_empty(),
                simulated: clients.iter().any(|c| c.account().simulated),
                accounts: clients.len() as u32,
                total: per_platform.get(&p).copied().unwrap_or_default(),
                balance,
            }
        })
        .collect();
    let mut products: Vec<ProductCost> = products.into_values().collect();
    products.sort_by_key(|p| std::cmp::Reverse(p.payable.in_cny(rate)));
    let usage = store::own_usage(&billing.store, &shanghai_start(q.from), &shanghai_start(q.to + chrono::Duration::days(1)))
        .await?;
    let own_usage = usage
        .into_iter()
        .map(|(model, calls, prompt_tokens, completion_tokens, images, simulated_calls)| OwnUsage {
            estimated_cny: pricing::estimate(&model, prompt_tokens, completion_tokens, images),
            model,
            calls,
            prompt_tokens,
            completion_tokens,
            images,
            simulated_calls,
        })
        .collect();
    let last_run = store::recent_runs(&billing.store, 1).await?.into_iter().next();
    let gaps = gaps(billing, &accounts, from, q.to.max(today).min(today), today).await?;
    Ok(CostOverview {
        query: q,
        today,
        usd_cny: rate,
        total,
        this_month,
        today_cost,
        platforms,
        daily: daily.into_iter().map(|((date, provider), cny)| DailyCost { date, provider, cny }).collect(),
        products,
        has_monthly_only,
        own_usage,
        model_studio_billed: studio,
        any_simulated: super::sync::any_simulated(&accounts),
        last_run,
        gaps,
    })
}

/// Every configured account's scopes of `from..=to` whose bills are missing or out of date, so
/// the page never shows a partial total as final.
async fn gaps(billing: &BillingServices, clients: &[ProviderClient], from: NaiveDate, to: NaiveDate, today: NaiveDate) -> Result<Vec<CoverageGap>, AppError> {
    let history_from = coverage::history_start(today, billing.config.history_months);
    let mut out = Vec::new();
    if from > to {
        return Ok(out);
    }
    for c in clients {
        let a = c.account();
        let scopes = c.scopes(from, to);
        let Some(first) = scopes.first().map(|s| s.start()) else { continue };
        let records = store::coverage(&billing.store, a.provider, &a.name, first, to).await?;
        out.extend(coverage::gaps(a.provider, &a.name, &a.display_name, &scopes, &records, history_from));
    }
    Ok(out)
}

/// The stored lines behind a number: the range and filter, optionally one platform and product.
pub async fn lines(billing: &BillingServices, q: CostQuery, provider: Option<Provider>, product: Option<&str>) -> Result<Vec<BillLineView>, AppError> {
    let all = store::lines_between(&billing.store, q.from, q.to).await?;
    // The configured display names, so the drill-down and export say 阿里云 开发测试, not aliyun-dev.
    let names: Vec<(Provider, String, String)> =
        billing.clients().await?.iter().map(|c| c.account()).map(|a| (a.provider, a.name.clone(), a.display_name.clone())).collect();
    Ok(all
        .into_iter()
        .filter(|v| keep(q.filter, &v.line))
        .filter(|v| provider.is_none_or(|p| v.line.provider == p))
        .filter(|v| product.is_none_or(|c| v.line.product_code == c))
        .filter(|v| v.line.date.is_none_or(|d| d >= q.from && d <= q.to))
        .map(|mut v| {
            if let Some((_, _, name)) = names.iter().find(|(p, a, _)| *p == v.line.provider && *a == v.line.account) {
                v.display_name = name.clone();
            }
            v
        })
        .collect())
}
