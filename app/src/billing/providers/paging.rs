//! Reading every page of a paged bill.

use std::future::Future;

use super::ProviderError;
use crate::billing::model::Provider;

/// A guard against a provider that never stops paging; far beyond any account's day or month.
const MAX_PAGES: u64 = 1000;

/// Reads every page. `fetch(page_number, offset)` (page numbers from 1, offset = items read so
/// far) answers the total the provider announces and that page's items. Stops once the total
/// is read; an empty page before that is Malformed, since stopping would under-report spend.
pub(super) async fn read_all_pages<T, F, Fut>(
    provider: Provider,
    action: &str,
    mut fetch: F,
) -> Result<Vec<T>, ProviderError>
where
    F: FnMut(u64, u64) -> Fut,
    Fut: Future<Output = Result<(u64, Vec<T>), ProviderError>>,
{
    let mut items = Vec::new();
    for page_number in 1..=MAX_PAGES {
        let (total, page) = fetch(page_number, items.len() as u64).await?;
        let page_len = page.len();
        items.extend(page);
        if items.len() as u64 >= total {
            return Ok(items);
        }
        if page_len == 0 {
            return Err(ProviderError::malformed(
                provider,
                action,
                format!(
                    "{total} items announced, but page {page_number} is empty after {}",
                    items.len()
                ),
            ));
        }
    }
    Err(ProviderError::malformed(
        provider,
        action,
        format!("more than {MAX_PAGES} pages"),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::billing::providers::ErrorKind;

    #[tokio::test]
    async fn pages_are_read_until_the_total() {
        let calls = std::sync::Mutex::new(Vec::new());
        let items = read_all_pages(Provider::Baidu, "Test", |page, offset| {
            calls.lock().unwrap().push((page, offset));
            async move {
                let page_items: Vec<u64> = (offset..(offset + 2).min(5)).collect();
                Ok((5, page_items))
            }
        })
        .await
        .unwrap();
        assert_eq!(items, vec![0, 1, 2, 3, 4]);
        assert_eq!(*calls.lock().unwrap(), vec![(1, 0), (2, 2), (3, 4)]);

        let none: Vec<u64> = read_all_pages(Provider::Baidu, "Test", |_, _| async {
            Ok((0, Vec::new()))
        })
        .await
        .unwrap();
        assert!(none.is_empty());

        let e = read_all_pages(Provider::Baidu, "Test", |page, _| async move {
            Ok((10, if page == 1 { vec![1u64, 2] } else { Vec::new() }))
        })
        .await
        .unwrap_err();
        assert_eq!(e.kind, ErrorKind::Malformed);
        assert!(e.message.contains("Test"), "{}", e.message);

        let e = read_all_pages(Provider::Baidu, "Test", |_, _| async {
            Err::<(u64, Vec<u64>), _>(ProviderError::new(
                Provider::Baidu,
                ErrorKind::Auth,
                "AccessDenied",
                "no",
            ))
        })
        .await
        .unwrap_err();
        assert_eq!(e.kind, ErrorKind::Auth);
    }
}
