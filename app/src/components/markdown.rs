//! Markdown → HTML for model answers, shown with `inner_html`. Raw HTML in the answer is shown as
//! text, never interpreted: the model's output is untrusted.

use pulldown_cmark::{html, CowStr, Event, Options, Parser, Tag, TagEnd};

pub fn to_safe_html(markdown: &str) -> String {
    let options = Options::ENABLE_TABLES | Options::ENABLE_STRIKETHROUGH;
    // Whether each open image became a link, so its end tag follows (images nest in alt text).
    let mut images_as_links: Vec<bool> = Vec::new();
    let events = Parser::new_ext(markdown, options).map(|event| match event {
        Event::Html(raw) | Event::InlineHtml(raw) => Event::Text(raw),
        Event::Start(Tag::Link { link_type, dest_url, title, id }) => {
            Event::Start(Tag::Link { link_type, dest_url: safe_url(dest_url), title, id })
        }
        // A viewer's browser fetches an image by itself: only our own media are shown; any other
        // image (e.g. a URL the model or the data it echoes names) becomes a plain link.
        Event::Start(Tag::Image { link_type, dest_url, title, id }) => {
            let own = is_own_media(&dest_url);
            images_as_links.push(!own);
            if own {
                Event::Start(Tag::Image { link_type, dest_url, title, id })
            } else {
                Event::Start(Tag::Link { link_type, dest_url: safe_url(dest_url), title, id })
            }
        }
        Event::End(TagEnd::Image) => {
            if images_as_links.pop().unwrap_or(false) {
                Event::End(TagEnd::Link)
            } else {
                Event::End(TagEnd::Image)
            }
        }
        other => other,
    });
    let mut out = String::with_capacity(markdown.len() * 3 / 2);
    html::push_html(&mut out, events);
    out
}

/// A same-origin path under `/media/` (where the app serves its own images), nothing that could
/// climb out of it or name another host (`//host/…`, `\\`).
fn is_own_media(url: &str) -> bool {
    url.starts_with("/media/") && !url.contains("..") && !url.contains('\\') && !url.contains("//")
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

    /// Raw HTML anywhere a model (or the data it echoes) can put it: a block, inline in a
    /// paragraph, a table cell, a heading, a list item, link text; autolinks with a script scheme.
    #[test]
    fn raw_html_in_model_output_never_becomes_a_tag() {
        let attacks = [
            "<script>alert(1)</script>",
            "前文 <img src=x onerror=alert(1)> 后文",
            "| 商品 | 说明 |\n|---|---|\n| A | <img src=x onerror=alert(1)> |",
            "## <svg onload=alert(1)>标题",
            "- <iframe src=https://evil.example></iframe>",
            "[<b onmouseover=alert(1)>点</b>](https://example.com)",
            "<details open ontoggle=alert(1)>x</details>",
            "<!-- <script>alert(1)</script> -->",
            "<javascript:alert(1)>",
            "<a href=\"javascript:alert(1)\">x</a>",
        ];
        for attack in attacks {
            let html = to_safe_html(attack);
            for tag in ["<script", "<img", "<svg", "<iframe", "<b ", "<details", "<!--"] {
                assert!(!html.contains(tag), "{attack:?} gave {html}");
            }
            // Handlers and script URLs survive only as escaped text, never inside a real tag.
            let attributes = html.split('<').skip(1).filter_map(|t| t.split('>').next()).flat_map(|t| t.split_whitespace().skip(1));
            for attribute in attributes {
                let attribute = attribute.to_ascii_lowercase();
                assert!(!attribute.starts_with("on") && !attribute.contains("javascript:"), "{attack:?} gave {html}");
            }
        }
    }

    #[test]
    fn remote_images_become_links_and_only_our_media_show() {
        let html = to_safe_html("![海报](https://evil.example/p.png?u=1) ![ok](/media/bundle-images/a.png) ![rel](//evil.example/x.png) ![js](javascript:alert(1))");
        assert!(!html.contains("<img src=\"https://evil") && !html.contains("<img src=\"//"), "{html}");
        assert!(html.contains("<a href=\"https://evil.example/p.png?u=1\">海报</a>"), "{html}");
        assert!(html.contains("<img src=\"/media/bundle-images/a.png\" alt=\"ok\""), "{html}");
        assert!(html.contains("<a href=\"//evil.example/x.png\">rel</a>"), "{html}");
        assert!(!html.contains("javascript:"), "{html}");
        assert_eq!(html.matches("<img").count(), 1, "{html}");
        // An image inside another image's alt text, and reference-style images.
        let nested = to_safe_html("![a ![b](https://x.example/b.png)](https://y.example/a.png)\n\n![r][1]\n\n[1]: http://z.example/r.png");
        assert!(!nested.contains("<img"), "{nested}");
        assert_eq!(nested.matches("<a ").count(), nested.matches("</a>").count(), "{nested}");
        assert!(!to_safe_html("![x](/media/../api/x)").contains("<img"));
    }

    #[test]
    fn links_keep_no_javascript() {
        let html = to_safe_html("[x](javascript:alert(1)) [y](https://example.com/a) [z](/sales/affinity)");
        assert!(!html.contains("javascript:"), "{html}");
        assert!(html.contains("href=\"https://example.com/a\""));
        assert!(html.contains("href=\"/sales/affinity\""));
    }
}
