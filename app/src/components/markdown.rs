//! Markdown → HTML for model answers, shown with `inner_html`. Raw HTML in the answer is shown as
//! text, never interpreted: the model's output is untrusted.

use pulldown_cmark::{html, CowStr, Event, Options, Parser, Tag};

pub fn to_safe_html(markdown: &str) -> String {
    let options = Options::ENABLE_TABLES | Options::ENABLE_STRIKETHROUGH;
    let events = Parser::new_ext(markdown, options).map(|event| match event {
        Event::Html(raw) | Event::InlineHtml(raw) => Event::Text(raw),
        Event::Start(Tag::Link { link_type, dest_url, title, id }) => {
            Event::Start(Tag::Link { link_type, dest_url: safe_url(dest_url), title, id })
        }
        Event::Start(Tag::Image { link_type, dest_url, title, id }) => {
            Event::Start(Tag::Image { link_type, dest_url: safe_url(dest_url), title, id })
        }
        other => other,
    });
    let mut out = String::with_capacity(markdown.len() * 3 / 2);
    html::push_html(&mut out, events);
    out
}

/// Only web links survive; `javascript:`, `data:` and the like become `#`.
fn safe_url(url: CowStr<'_>) -> CowStr<'_> {
    let lower = url.trim().to_ascii_lowercase();
    let has_scheme = lower.split(['/', '?', '#']).next().is_some_and(|head| head.contains(':'));
    if !has_scheme || lower.starts_with("http://") || lower.starts_with("https://") {
        url
    } else {
        CowStr::Borrowed("#")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_markdown_and_escapes_html() {
        let html = to_safe_html("## 要点\n\n- **热销** 商品\n\n<script>alert(1)</script>\n\n<img src=x onerror=alert(1)>");
        assert!(html.contains("<h2>要点</h2>"));
        assert!(html.contains("<li><strong>热销</strong> 商品</li>"));
        assert!(!html.contains("<script>"));
        assert!(!html.contains("<img"));
        assert!(html.contains("&lt;script&gt;"));
    }

    #[test]
    fn links_keep_no_javascript() {
        let html = to_safe_html("[x](javascript:alert(1)) [y](https://example.com/a) [z](/sales/affinity)");
        assert!(!html.contains("javascript:"), "{html}");
        assert!(html.contains("href=\"https://example.com/a\""));
        assert!(html.contains("href=\"/sales/affinity\""));
    }
}
