//! The answer text: a short analysis composed from the prompt's Markdown table and numbered
//! instructions, so the demo's insights read like answers about the data shown.

/// A Markdown pipe table: header cells and data rows.
struct Table {
    headers: Vec<String>,
    rows: Vec<Vec<String>>,
}

impl Table {
    fn cell(&self, row: usize, col: usize) -> &str {
        self.rows
            .get(row)
            .and_then(|r| r.get(col))
            .map_or("", String::as_str)
    }

    fn header(&self, col: usize) -> &str {
        self.headers.get(col).map_or("", String::as_str)
    }

    /// What names a row: every text column before the figure (a segment table's 「VIP · 活跃」, not
    /// just 「VIP」, which several rows share), so the prose never pairs a name with another
    /// row's figure.
    fn label(&self, row: usize, numeric: Option<usize>) -> String {
        let end = numeric.unwrap_or(1).max(1);
        let parts: Vec<&str> =
            (0..end).map(|col| self.cell(row, col)).filter(|c| col_is_text(c)).collect();
        if parts.is_empty() {
            self.cell(row, 0).to_owned()
        } else {
            parts.join(" · ")
        }
    }

    /// The first column after the label column whose cells all read as numbers.
    fn numeric_column(&self) -> Option<usize> {
        (1..self.headers.len())
            .find(|&col| (0..self.rows.len()).all(|row| number(self.cell(row, col)).is_some()))
    }

    fn values(&self, col: usize) -> Vec<f64> {
        (0..self.rows.len())
            .filter_map(|row| number(self.cell(row, col)))
            .collect()
    }

    /// Rows with the largest and the smallest value in `col`.
    fn extremes(&self, col: usize) -> (usize, usize) {
        let values = self.values(col);
        let by = |better: fn(f64, f64) -> bool| {
            (0..values.len()).fold(0, |best, i| {
                if better(values[i], values[best]) {
                    i
                } else {
                    best
                }
            })
        };
        (by(|a, b| a > b), by(|a, b| a < b))
    }
}

fn col_is_text(cell: &str) -> bool {
    !cell.is_empty() && number(cell).is_none()
}

fn table_cells(line: &str) -> Vec<String> {
    let line = line.trim();
    let line = line.strip_prefix('|').unwrap_or(line);
    let line = line.strip_suffix('|').unwrap_or(line);
    line.split('|').map(|cell| cell.trim().to_owned()).collect()
}

fn is_separator(line: &str) -> bool {
    let line = line.trim();
    line.starts_with('|')
        && line.contains('-')
        && line.chars().all(|c| matches!(c, '|' | '-' | ':' | ' '))
}

fn parse_table(text: &str) -> Option<Table> {
    let lines: Vec<&str> = text.lines().collect();
    let start = (0..lines.len().saturating_sub(1))
        .find(|&i| lines[i].trim().starts_with('|') && is_separator(lines[i + 1]))?;
    let rows: Vec<Vec<String>> = lines[start + 2..]
        .iter()
        .take_while(|line| line.trim().starts_with('|'))
        .map(|line| table_cells(line))
        .filter(|cells| cells.iter().any(|c| !c.is_empty()))
        .collect();
    if rows.is_empty() {
        return None;
    }
    Some(Table {
        headers: table_cells(lines[start]),
        rows,
    })
}

/// Lines such as `1. 总结关键的销售趋势。` or `2、指出风险`, without their numbers.
fn parse_instructions(text: &str) -> Vec<String> {
    text.lines()
        .filter_map(|line| {
            let line = line.trim();
            let rest = line.trim_start_matches(|c: char| c.is_ascii_digit());
            if rest.len() == line.len() {
                return None;
            }
            let rest = rest.strip_prefix(['.', '、', '．', ')', '）'])?.trim();
            (!rest.is_empty()).then(|| rest.to_owned())
        })
        .take(10)
        .collect()
}

/// Amounts such as `¥1,234.50`, `12.5%` or `-3`.
fn number(cell: &str) -> Option<f64> {
    let cleaned: String = cell
        .chars()
        .filter(|c| !matches!(c, ',' | '¥' | '￥' | '$' | '%' | ' '))
        .collect();
    cleaned.parse::<f64>().ok().filter(|v| v.is_finite())
}

fn shorten(text: &str, max_chars: usize) -> String {
    let text = text.trim_end_matches(['。', '.', '；', ';', '？', '?']);
    if text.chars().count() <= max_chars {
        return text.to_owned();
    }
    let mut short: String = text.chars().take(max_chars).collect();
    short.push('…');
    short
}

/// Deterministic Chinese Markdown that follows the table and numbered instructions of `question`.
pub(super) fn compose_answer(question: &str) -> String {
    let instructions = parse_instructions(question);
    let body = match parse_table(question) {
        Some(table) => table_answer(&table, &instructions),
        None => plain_answer(question, &instructions),
    };
    body.trim_end().to_owned()
}

fn table_answer(table: &Table, instructions: &[String]) -> String {
    let numeric = table.numeric_column();
    let mut out = String::from("## 分析摘要\n\n");
    out += &summary(table, numeric);
    out += "\n\n## 要点\n\n";
    let topics: Vec<String> = if instructions.is_empty() {
        vec!["整体情况".to_owned()]
    } else {
        instructions.to_vec()
    };
    for (i, topic) in topics.iter().enumerate() {
        out += &format!(
            "{}. **{}**：{}\n",
            i + 1,
            shorten(topic, 16),
            point(table, numeric, i)
        );
    }
    out += "\n## 建议\n\n";
    out += &advice(table, numeric);
    out
}

fn summary(table: &Table, numeric: Option<usize>) -> String {
    let firsts: Vec<String> = (0..table.rows.len().min(3))
        .map(|r| format!("「{}」", table.label(r, numeric)))
        .collect();
    let columns: Vec<&str> = table.headers.iter().take(4).map(String::as_str).collect();
    let mut text = format!(
        "本次共分析 {} 行数据（{} 列：{}），前几行依次为{}。",
        table.rows.len(),
        table.headers.len(),
        columns.join("、"),
        firsts.join("、"),
    );
    if let Some(col) = numeric {
        let (top, bottom) = table.extremes(col);
        text += &format!(
            "按「{}」计，「{}」最高（{}），「{}」最低（{}）。",
            table.header(col),
            table.label(top, numeric),
            table.cell(top, col),
            table.label(bottom, numeric),
            table.cell(bottom, col),
        );
    }
    text
}

/// One paragraph per instruction, cycling through an example row, the trend and the top share.
fn point(table: &Table, numeric: Option<usize>, i: usize) -> String {
    let row = i % table.rows.len();
    let Some(col) = numeric else {
        let col = 1.min(table.headers.len().saturating_sub(1));
        return format!(
            "以「{}」为例，{}为「{}」，需结合更多数据判断。",
            table.label(row, None),
            table.header(col),
            table.cell(row, col)
        );
    };
    match i % 3 {
        0 => format!(
            "以「{}」为例，{}为 {}，可作为对比基准。",
            table.label(row, numeric),
            table.header(col),
            table.cell(row, col)
        ),
        1 => trend(table, col),
        _ => share(table, col),
    }
}

fn trend(table: &Table, col: usize) -> String {
    let values = table.values(col);
    let (first, last) = (
        values.first().copied().unwrap_or(0.0),
        values.last().copied().unwrap_or(0.0),
    );
    let direction = if last > first * 1.02 {
        "上升"
    } else if last < first * 0.98 {
        "下降"
    } else {
        "基本持平"
    };
    let last_row = table.rows.len() - 1;
    format!(
        "从「{}」到「{}」，{}整体{}（{} → {}）。",
        table.label(0, Some(col)),
        table.label(last_row, Some(col)),
        table.header(col),
        direction,
        table.cell(0, col),
        table.cell(last_row, col),
    )
}

fn share(table: &Table, col: usize) -> String {
    let total: f64 = table.values(col).iter().sum();
    let (top, _) = table.extremes(col);
    let top_value = number(table.cell(top, col)).unwrap_or(0.0);
    let percent = if total.abs() > f64::EPSILON {
        top_value / total * 100.0
    } else {
        0.0
    };
    format!(
        "「{}」占{}合计的 {:.1}%，集中度值得关注。",
        table.label(top, Some(col)),
        table.header(col),
        percent
    )
}

fn advice(table: &Table, numeric: Option<usize>) -> String {
    match numeric {
        Some(col) => {
            let (top, bottom) = table.extremes(col);
            format!(
                "1. 重点保障「{}」的供应与曝光，巩固其{}优势。\n2. 复盘「{}」的定价与促销策略，必要时调整资源投入。\n",
                table.label(top, numeric),
                table.header(col),
                table.label(bottom, numeric),
            )
        }
        None => format!(
            "1. 为「{}」等项目补充可量化的指标，便于比较。\n2. 按月跟踪这些项目的变化，及时发现异常。\n",
            table.label(0, None)
        ),
    }
}

fn plain_answer(question: &str, instructions: &[String]) -> String {
    let mut out =
        String::from("## 分析摘要\n\n未在输入中找到数据表，以下根据文字说明作答。\n\n## 要点\n\n");
    if instructions.is_empty() {
        let topic = shorten(question.trim(), 20);
        let topic = if topic.is_empty() {
            "问题概述".to_owned()
        } else {
            topic
        };
        out += &format!("1. **{topic}**：需要结合具体数据进一步分析。\n");
    }
    for (i, topic) in instructions.iter().enumerate() {
        out += &format!(
            "{}. **{}**：需要结合具体数据进一步分析。\n",
            i + 1,
            shorten(topic, 16)
        );
    }
    out += "\n## 建议\n\n1. 补充明细数据（如按月份或商品汇总的表格）以便量化分析。\n2. 明确分析口径与时间范围后再次提问。\n";
    out
}

/// Chunks of 1–4 characters, sizes varying with the text, as a tokenizer's pieces would.
pub(super) fn split_chunks(text: &str) -> Vec<String> {
    let chars: Vec<char> = text.chars().collect();
    let mut chunks = Vec::with_capacity(chars.len() / 2 + 1);
    let mut start = 0;
    while start < chars.len() {
        let size = 1 + (chunks.len() * 7 + chars[start] as usize) % 4;
        let end = (start + size).min(chars.len());
        chunks.push(chars[start..end].iter().collect());
        start = end;
    }
    chunks
}

fn is_cjk(c: char) -> bool {
    matches!(c, '\u{3000}'..='\u{303F}' | '\u{3400}'..='\u{4DBF}' | '\u{4E00}'..='\u{9FFF}' | '\u{FF00}'..='\u{FFEF}')
}

/// About one token per CJK character and one per four other characters.
pub(super) fn estimate_tokens(text: &str) -> u64 {
    let cjk = text.chars().filter(|&c| is_cjk(c)).count() as u64;
    let other = text.chars().count() as u64 - cjk;
    cjk + other.div_ceil(4)
}

#[cfg(test)]
mod tests {
    use super::super::testkit::SALES_PROMPT;
    use super::*;

    #[test]
    fn answer_without_table_or_instructions_is_still_an_answer() {
        let answer = compose_answer("最近的销售怎么样？");
        assert!(answer.contains("## 分析摘要") && answer.contains("## 建议"));
        assert!(answer.contains("最近的销售怎么样"));
        let answer = compose_answer("1. 列出风险\n2. 给出对策");
        assert!(answer.contains("1. **列出风险**") && answer.contains("2. **给出对策**"));
        assert!(!compose_answer("").is_empty());
        // A table whose values are not numbers.
        let answer =
            compose_answer("| 地区 | 负责人 |\n|---|---|\n| 华东 | 张三 |\n| 华北 | 李四 |");
        assert!(answer.contains("2 行数据") && answer.contains("「华东」"));
    }

    #[test]
    fn table_answer_names_extremes_and_trend() {
        let answer = compose_answer(SALES_PROMPT);
        assert!(answer.contains("「乌龙茶」最高（¥2,500）"), "{answer}");
        assert!(answer.contains("「红茶」最低（¥900）"), "{answer}");
        assert!(answer.contains("上升"), "{answer}");
    }

    /// The customers prompt's segment table names a row by tier and status: the prose must say
    /// which segment a figure belongs to, and never pair a name with another row's figure.
    #[test]
    fn segment_rows_are_named_by_every_text_column() {
        let prompt = "1. 总结\n2. 风险\n3. 占比\n\n| 客户等级 | 状态 | 客户数 |\n| --- | --- | --- |\n\
| VIP | 活跃 | 38 |\n| VIP | 流失风险 | 0 |\n| 高级 | 活跃 | 120 |\n| 基础 | 已沉睡 | 25 |\n";
        let answer = compose_answer(prompt);
        assert!(answer.contains("「高级 · 活跃」最高（120）"), "{answer}");
        assert!(answer.contains("「VIP · 流失风险」最低（0）"), "{answer}");
        assert!(answer.contains("以「VIP · 活跃」为例，客户数为 38"), "{answer}");
        // Every 「name」（figure) pair in the prose matches a row of the table.
        let rows = [("VIP · 活跃", "38"), ("VIP · 流失风险", "0"), ("高级 · 活跃", "120"), ("基础 · 已沉睡", "25")];
        for (name, figure) in answer.split('「').skip(1).filter_map(|s| s.split_once('」')).filter_map(|(n, rest)| {
            rest.strip_prefix("最高（").or_else(|| rest.strip_prefix("最低（")).and_then(|r| r.split_once('）')).map(|(f, _)| (n, f))
        }) {
            assert!(rows.contains(&(name, figure)), "「{name}」（{figure}）is not a row: {answer}");
        }
    }

    #[test]
    fn chunks_are_one_to_four_chars_and_rebuild_the_text() {
        let text = compose_answer(SALES_PROMPT);
        let chunks = split_chunks(&text);
        assert_eq!(chunks.concat(), text);
        assert!(chunks.iter().all(|c| (1..=4).contains(&c.chars().count())));
        assert!(
            chunks.iter().any(|c| c.chars().count() == 1)
                && chunks.iter().any(|c| c.chars().count() == 4)
        );
    }

    #[test]
    fn token_estimate_counts_cjk_and_other_text() {
        assert_eq!(estimate_tokens("你好，世界"), 5);
        assert_eq!(estimate_tokens("hello"), 2);
        assert_eq!(estimate_tokens("你好 abcd"), 2 + 2);
        assert_eq!(estimate_tokens(""), 0);
    }
}
