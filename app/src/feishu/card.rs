//! Interactive cards in Feishu's card JSON 2.0 (docs/providers.md, "Feishu"): a coloured header
//! and a column of markdown, dividers and link buttons, which is all a custom bot can use (its
//! cards are static: no callbacks).

use serde_json::{json, Value};

/// The header's colour; Feishu has 13, these are the ones alerts need.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Template {
    Blue,
    Green,
    Yellow,
    Orange,
    Red,
    Grey,
}

impl Template {
    fn name(self) -> &'static str {
        match self {
            Template::Blue => "blue",
            Template::Green => "green",
            Template::Yellow => "yellow",
            Template::Orange => "orange",
            Template::Red => "red",
            Template::Grey => "grey",
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Element {
    /// Feishu's markdown (bold, lists, `<font color>`, links); the text is the sender's.
    Markdown(String),
    Divider,
    /// A button opening `url` in the browser.
    LinkButton { text: String, url: String, primary: bool },
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Card {
    pub title: String,
    pub template: Template,
    pub elements: Vec<Element>,
}

impl Card {
    pub fn new(title: impl Into<String>, template: Template) -> Self {
        Card { title: title.into(), template, elements: Vec::new() }
    }

    pub fn markdown(mut self, text: impl Into<String>) -> Self {
        self.elements.push(Element::Markdown(text.into()));
        self
    }

    pub fn divider(mut self) -> Self {
        self.elements.push(Element::Divider);
        self
    }

    pub fn link_button(mut self, text: impl Into<String>, url: impl Into<String>, primary: bool) -> Self {
        self.elements.push(Element::LinkButton { text: text.into(), url: url.into(), primary });
        self
    }

    /// The `card` object of a webhook body (an object, not a string as the im/v1 API takes).
    /// 2.0 refuses unknown properties, so only documented ones are written; `update_multi` must
    /// be true in 2.0.
    pub fn to_json(&self) -> Value {
        let elements: Vec<Value> = self
            .elements
            .iter()
            .map(|element| match element {
                Element::Markdown(text) => json!({"tag": "markdown", "content": text}),
                Element::Divider => json!({"tag": "hr"}),
                Element::LinkButton { text, url, primary } => json!({
                    "tag": "button",
                    "type": if *primary { "primary_filled" } else { "default" },
                    "text": {"tag": "plain_text", "content": text},
                    "behaviors": [{"type": "open_url", "default_url": url}],
                }),
            })
            .collect();
        json!({
            "schema": "2.0",
            "config": {"update_multi": true},
            "header": {"template": self.template.name(), "title": {"tag": "plain_text", "content": self.title}},
            "body": {"elements": elements},
        })
    }
}

/// The message's own words (what the group reads in Feishu), not page UI.
pub const TEST_CARD_TITLE: &str = "算盘告警测试";

/// The card the settings page's "test connection" sends: says where it came from and when.
pub fn test_card(sent_at: chrono::DateTime<chrono::Utc>) -> Card {
    Card::new(TEST_CARD_TITLE, Template::Blue)
        .markdown("这是一条测试消息：算盘已能通过此 Webhook 向本群发送告警。")
        .markdown(format!("发送时间：{}（北京时间）", crate::calendar::beijing_time(sent_at)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn writes_card_json_2() {
        let card = Card::new("子账号额度已用 80%", Template::Orange)
            .markdown("**team-a** 已用 ¥8,000 / ¥10,000")
            .divider()
            .link_button("查看额度", "https://suanpan.example/quota/team-a", true)
            .to_json();
        assert_eq!(card["schema"], "2.0");
        assert_eq!(card["config"]["update_multi"], true);
        assert_eq!(card["header"]["template"], "orange");
        assert_eq!(card["header"]["title"], json!({"tag": "plain_text", "content": "子账号额度已用 80%"}));
        let elements = card["body"]["elements"].as_array().expect("elements");
        assert_eq!(elements[0], json!({"tag": "markdown", "content": "**team-a** 已用 ¥8,000 / ¥10,000"}));
        assert_eq!(elements[1]["tag"], "hr");
        assert_eq!(elements[2]["type"], "primary_filled");
        assert_eq!(elements[2]["behaviors"][0], json!({"type": "open_url", "default_url": "https://suanpan.example/quota/team-a"}));
    }

    #[test]
    fn the_test_card_names_itself_and_the_time() {
        let at = chrono::DateTime::from_timestamp(1_700_000_000, 0).expect("a time");
        let card = test_card(at).to_json();
        assert_eq!(card["header"]["title"]["content"], TEST_CARD_TITLE);
        assert!(card.to_string().contains("2023-11-15 06:13"), "{card}");
    }
}
