//! List prices of the models the app itself calls, to estimate its own spend from usage.
//!
//! CNY, from Alibaba Cloud Model Studio's pricing page (mainland, 2025); not re-verified here (no
//! internet), so the page labels the result "estimated". Unknown models are not priced.

use rust_decimal::Decimal;

/// (model, CNY per 1,000 input tokens, CNY per 1,000 output tokens)
const CHAT: [(&str, Decimal, Decimal); 3] = [
    ("qwen-max", Decimal::from_parts(24, 0, 0, false, 4), Decimal::from_parts(96, 0, 0, false, 4)),
    ("qwen-plus", Decimal::from_parts(8, 0, 0, false, 4), Decimal::from_parts(2, 0, 0, false, 3)),
    ("qwen-turbo", Decimal::from_parts(3, 0, 0, false, 4), Decimal::from_parts(6, 0, 0, false, 4)),
];

/// (model, CNY per image)
const IMAGE: [(&str, Decimal); 3] = [
    ("wanx2.1-t2i-plus", Decimal::from_parts(20, 0, 0, false, 2)),
    ("wanx2.1-t2i-turbo", Decimal::from_parts(14, 0, 0, false, 2)),
    ("wanx2.0-t2i-turbo", Decimal::from_parts(4, 0, 0, false, 2)),
];

pub fn estimate(model: &str, prompt_tokens: i64, completion_tokens: i64, images: i64) -> Option<Decimal> {
    let thousand = Decimal::from(1000);
    if let Some((_, input, output)) = CHAT.iter().find(|(m, _, _)| *m == model) {
        return Some((Decimal::from(prompt_tokens) * input / thousand + Decimal::from(completion_tokens) * output / thousand).round_dp(4));
    }
    IMAGE.iter().find(|(m, _)| *m == model).map(|(_, per)| (Decimal::from(images) * per).round_dp(2))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prices_tokens_and_images() {
        // 10k in × 0.0024 + 2k out × 0.0096 = 0.024 + 0.0192
        assert_eq!(estimate("qwen-max", 10_000, 2_000, 0), Some(Decimal::new(432, 4)));
        assert_eq!(estimate("wanx2.1-t2i-plus", 0, 0, 3), Some(Decimal::new(60, 2)));
        assert_eq!(estimate("unknown-model", 1, 1, 1), None);
    }
}
