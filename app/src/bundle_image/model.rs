//! Types shared by the browser and the server, and the bundle prompt.

use chrono::{DateTime, Utc};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

pub use crate::error::ImageProblem;

use crate::sales::model::AffinityRow;

/// The provider truncates longer prompts; we refuse them so what is stored is what was used.
pub const PROMPT_MAX_CHARS: usize = 800;
/// At most this many products in one bundle.
pub const BUNDLE_MAX_ITEMS: usize = 4;

/// Offered sizes, `W*H`: each side in [512, 1440] and at most 2 megapixels (Wanx V2 limits).
pub const SIZES: [&str; 4] = ["1024*1024", "1280*720", "720*1280", "1152*864"];

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct BundleItem {
    pub stock_item_id: i64,
    pub name: String,
}

/// Products bought together, with the weakest pairwise lift among them.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Bundle {
    pub items: Vec<BundleItem>,
    pub lift: Decimal,
    pub co_occurrence: i64,
}

impl Bundle {
    pub fn label(&self) -> String {
        self.items.iter().map(|i| i.name.as_str()).collect::<Vec<_>>().join(" + ")
    }
}

/// Candidate bundles from the affinity rows, strongest first: every pair, and every group of
/// three whose three pairs are all among the rows (its lift is the weakest of the three).
pub fn bundles_from(rows: &[AffinityRow]) -> Vec<Bundle> {
    let pair = |r: &AffinityRow| Bundle {
        items: vec![
            BundleItem { stock_item_id: r.item_a, name: r.name_a.clone() },
            BundleItem { stock_item_id: r.item_b, name: r.name_b.clone() },
        ],
        lift: r.lift,
        co_occurrence: r.co_occurrence,
    };
    let find = |a: i64, b: i64| rows.iter().find(|r| (r.item_a == a && r.item_b == b) || (r.item_a == b && r.item_b == a));
    let mut out: Vec<Bundle> = rows.iter().map(pair).collect();
    for (i, ab) in rows.iter().enumerate() {
        for bc in &rows[i + 1..] {
            // Two pairs sharing one product, closed by a third pair → a group of three.
            let shared = [ab.item_a, ab.item_b].into_iter().find(|x| *x == bc.item_a || *x == bc.item_b);
            let Some(s) = shared else { continue };
            let a = if ab.item_a == s { ab.item_b } else { ab.item_a };
            let c = if bc.item_a == s { bc.item_b } else { bc.item_a };
            if a == c {
                continue;
            }
            let Some(ac) = find(a, c) else { continue };
            let mut ids = [a, s, c];
            ids.sort_unstable();
            if out.iter().any(|b| b.items.len() == 3 && b.items.iter().map(|i| i.stock_item_id).eq(ids)) {
                continue;
            }
            let name = |id: i64| {
                [ab, bc, ac].iter().find_map(|r| if r.item_a == id { Some(r.name_a.clone()) } else if r.item_b == id { Some(r.name_b.clone()) } else { None }).unwrap_or_default()
            };
            out.push(Bundle {
                items: ids.iter().map(|id| BundleItem { stock_item_id: *id, name: name(*id) }).collect(),
                lift: ab.lift.min(bc.lift).min(ac.lift),
                co_occurrence: ab.co_occurrence.min(bc.co_occurrence).min(ac.co_occurrence),
            });
        }
    }
    // Strongest by lift; on a tie the larger group, as it says more about the basket.
    out.sort_by(|x, y| y.lift.cmp(&x.lift).then(y.items.len().cmp(&x.items.len())));
    out.truncate(12);
    out
}

/// The Chinese prompt for a bundle poster; the user may edit it before generating.
pub fn bundle_prompt(bundle: &Bundle) -> String {
    let names = bundle.items.iter().map(|i| format!("“{}”", i.name)).collect::<Vec<_>>().join("、");
    format!(
        "电商营销海报：{names}组合套装。把这{}件商品并排摆放在简洁明亮的场景中，突出它们经常被一起购买、搭配使用更划算，\
         画面干净，商业产品摄影风格，柔和光线，高清细节，留出标题空白区域，不要出现文字和水印。",
        bundle.items.len()
    )
}

pub fn check_request(bundle: &Bundle, prompt: &str, size: &str) -> Result<(), ImageProblem> {
    if bundle.items.is_empty() || bundle.items.len() > BUNDLE_MAX_ITEMS || bundle.items.iter().any(|i| i.name.trim().is_empty() || i.name.chars().count() > 200) {
        return Err(ImageProblem::NoBundle);
    }
    for (n, item) in bundle.items.iter().enumerate() {
        if bundle.items[..n].iter().any(|earlier| earlier.stock_item_id == item.stock_item_id) {
            return Err(ImageProblem::DuplicateItem(item.stock_item_id));
        }
    }
    // Lift and co-occurrence are only shown; a negative one cannot come from the analysis.
    if bundle.lift.is_sign_negative() || bundle.co_occurrence < 0 {
        return Err(ImageProblem::NoBundle);
    }
    if prompt.trim().is_empty() {
        return Err(ImageProblem::EmptyPrompt);
    }
    if prompt.chars().count() > PROMPT_MAX_CHARS {
        return Err(ImageProblem::PromptTooLong { max: PROMPT_MAX_CHARS });
    }
    // Line breaks and tabs come from editing the prompt in a text box; nothing else invisible.
    if prompt.chars().any(|c| c.is_control() && !matches!(c, '\n' | '\r' | '\t')) {
        return Err(ImageProblem::PromptControlCharacter);
    }
    if !SIZES.contains(&size) {
        return Err(ImageProblem::UnknownSize(size.chars().take(20).collect()));
    }
    Ok(())
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum JobState {
    Submitting,
    Pending,
    Running,
    Downloading,
    Succeeded,
    Failed,
}

impl JobState {
    pub fn as_str(self) -> &'static str {
        match self {
            JobState::Submitting => "submitting",
            JobState::Pending => "pending",
            JobState::Running => "running",
            JobState::Downloading => "downloading",
            JobState::Succeeded => "succeeded",
            JobState::Failed => "failed",
        }
    }
    pub fn parse(s: &str) -> Option<Self> {
        [JobState::Submitting, JobState::Pending, JobState::Running, JobState::Downloading, JobState::Succeeded, JobState::Failed]
            .into_iter()
            .find(|j| j.as_str() == s)
    }
    pub fn is_terminal(self) -> bool {
        matches!(self, JobState::Succeeded | JobState::Failed)
    }
}

/// A stored, downloaded image.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct BundleImage {
    pub id: i64,
    /// Served from the app's data folder, content-addressed.
    pub url: String,
    pub file_name: String,
    pub bundle_label: String,
    pub prompt: String,
    pub actual_prompt: Option<String>,
    pub model: String,
    pub size: String,
    pub task_id: String,
    pub simulated: bool,
    pub created_at: DateTime<Utc>,
    pub bytes: i64,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ImageJob {
    pub id: i64,
    pub state: JobState,
    pub polls: u32,
    pub bundle_label: String,
    pub size: String,
    pub simulated: bool,
    pub error: Option<crate::error::AppError>,
    pub image: Option<BundleImage>,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(a: i64, b: i64, lift: i64) -> AffinityRow {
        AffinityRow {
            item_a: a,
            name_a: format!("商品{a}"),
            item_b: b,
            name_b: format!("商品{b}"),
            co_occurrence: 10 * lift,
            support: Decimal::ZERO,
            confidence_ab: Decimal::ZERO,
            confidence_ba: Decimal::ZERO,
            lift: Decimal::from(lift),
        }
    }

    #[test]
    fn groups_of_three_are_found_and_ranked_by_their_weakest_pair() {
        let rows = vec![row(1, 2, 9), row(2, 3, 8), row(1, 3, 7), row(4, 5, 6)];
        let b = bundles_from(&rows);
        assert_eq!(b[0].label(), "商品1 + 商品2");
        let group = b.iter().find(|x| x.items.len() == 3).unwrap();
        assert_eq!(group.items.iter().map(|i| i.stock_item_id).collect::<Vec<_>>(), vec![1, 2, 3]);
        assert_eq!(group.lift, Decimal::from(7));
        assert_eq!(b.iter().filter(|x| x.items.len() == 3).count(), 1);
        // 4-5 has no third partner.
        assert_eq!(b.len(), 5);
        // A group beats a pair of equal lift.
        let tied = bundles_from(&[row(1, 2, 7), row(2, 3, 7), row(1, 3, 7)]);
        assert_eq!(tied[0].items.len(), 3);
    }

    #[test]
    fn requests_are_checked() {
        let b = bundles_from(&[row(1, 2, 3)]).remove(0);
        let p = bundle_prompt(&b);
        assert!(p.contains("“商品1”、“商品2”组合套装") && p.chars().count() <= PROMPT_MAX_CHARS);
        assert_eq!(check_request(&b, &p, "1024*1024"), Ok(()));
        assert_eq!(check_request(&b, "  ", "1024*1024"), Err(ImageProblem::EmptyPrompt));
        assert_eq!(check_request(&b, &"字".repeat(801), "1024*1024"), Err(ImageProblem::PromptTooLong { max: 800 }));
        assert_eq!(check_request(&b, &p, "1024x1024"), Err(ImageProblem::UnknownSize("1024x1024".into())));
        let empty = Bundle { items: vec![], lift: Decimal::ONE, co_occurrence: 0 };
        assert_eq!(check_request(&empty, &p, "1024*1024"), Err(ImageProblem::NoBundle));
        let mut twice = b.clone();
        twice.items.push(twice.items[0].clone());
        assert_eq!(check_request(&twice, &p, "1024*1024"), Err(ImageProblem::DuplicateItem(1)));
        assert_eq!(check_request(&b, "海报\u{0}\u{1b}[2J", "1024*1024"), Err(ImageProblem::PromptControlCharacter));
        assert_eq!(check_request(&b, "第一行\r\n第二行\t", "1024*1024"), Ok(()));
        let negative = Bundle { lift: Decimal::NEGATIVE_ONE, ..b.clone() };
        assert_eq!(check_request(&negative, &p, "1024*1024"), Err(ImageProblem::NoBundle));
        for s in SIZES {
            let (w, h) = s.split_once('*').unwrap();
            let (w, h): (u32, u32) = (w.parse().unwrap(), h.parse().unwrap());
            assert!((512..=1440).contains(&w) && (512..=1440).contains(&h) && w * h <= 2_000_000, "{s}");
        }
    }
}
