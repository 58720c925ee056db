//! The revenue-basis switch (订单金额 / 开票金额) above an analysis: links that change only the
//! `basis` parameter of the current URL, and a label saying what the figures count.

use leptos::prelude::*;

use super::links::href_with;
use super::model::Basis;
use super::params::{basis_key, RawQuery, BASES};
use crate::i18n::tr;
use crate::sales::labels::SalesText;

/// The current URL of `/sales/{slug}` with `basis` replaced.
fn basis_href(slug: &str, raw: &RawQuery, basis: Basis) -> String {
    href_with(slug, raw, &["basis"], &[("basis", basis_key(basis).into())])
}

/// `basis` is None for inventory (always on orders); `invoices` says whether the warehouse has
/// invoice data (without it there is nothing to switch to).
#[component]
pub fn BasisSwitch(slug: &'static str, raw: RawQuery, basis: Option<Basis>, invoices: bool) -> impl IntoView {
    let t = tr();
    let Some(basis) = basis else {
        return view! {
            <p class="basis" data-testid="basis">
                <span class="basis-label" data-testid="basis-label">{t.inventory_basis_note()}</span>
            </p>
        }
        .into_any();
    };
    let choices = invoices.then(|| {
        // Ordered first: the switch reads 订单金额 / 开票金额.
        BASES
            .iter()
            .rev()
            .map(|(key, b)| {
                let current = *b == basis;
                view! {
                    <a href=basis_href(slug, &raw, *b) data-basis=*key class:current=current
                        aria-current=if current { Some("true") } else { None }>{t.basis_name(*b)}</a>
                }
            })
            .collect_view()
    });
    let note = if invoices { t.basis_note(basis) } else { t.basis_no_invoices() };
    view! {
        <div class="basis" data-testid="basis">
            <span class="basis-label" data-testid="basis-label">{format!("{}：{}", t.basis_param(), t.basis_label(basis))}</span>
            {choices.map(|c| view! { <nav class="basis-switch" aria-label=t.basis_param()>{c}</nav> })}
            <small class="basis-note">{note}</small>
        </div>
    }
    .into_any()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_switch_keeps_every_other_parameter() {
        let raw: RawQuery = [("from", "2016-01-01"), ("basis", "ordered"), ("sort", "quantity")]
            .into_iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        let href = basis_href("top-sellers", &raw, Basis::Invoiced);
        assert!(href.starts_with("/sales/top-sellers?"), "{href}");
        assert!(href.contains("from=2016-01-01") && href.contains("sort=quantity"), "{href}");
        assert!(href.contains("basis=invoiced") && !href.contains("basis=ordered"), "{href}");
    }
}
