//! Deterministic "product bundle" posters for the DashScope simulator: a real PNG of the requested
//! size whose colours and shapes follow from the prompt and seed, so tests can tell images apart
//! and the demo shows a picture that changes with what was asked for.

use sha2::{Digest, Sha256};

/// Soft commercial colours; the background gradient and the products are drawn from here.
const PALETTE: [[u8; 3]; 12] = [
    [0xF4, 0x6A, 0x4E], [0xF9, 0xC7, 0x4F], [0x4E, 0xA8, 0xDE], [0x2E, 0x5E, 0xAA],
    [0x7B, 0xC9, 0x8E], [0x1F, 0x8A, 0x70], [0xE8, 0x8E, 0xC1], [0x8C, 0x6B, 0xD6],
    [0xFF, 0xE5, 0xB4], [0xD7, 0xEB, 0xF7], [0xC0, 0x39, 0x2B], [0x34, 0x3A, 0x40],
];

/// Largest side drawn; larger requests are clamped so a bad size cannot exhaust memory.
const MAX_SIDE: u32 = 4096;
const MAX_PRODUCTS: usize = 6;

/// Renders a PNG (RGB8) of `width`×`height`: a two-colour diagonal gradient picked from a hash of
/// the prompt and seed, a darker "table" band, and one product shape per item the prompt names.
pub fn bundle_poster(prompt: &str, width: u32, height: u32, seed: u64) -> Vec<u8> {
    let (width, height) = (width.clamp(1, MAX_SIDE), height.clamp(1, MAX_SIDE));
    let digest = hash(prompt, seed, u64::MAX);
    let from = PALETTE[usize::from(digest[0]) % PALETTE.len()];
    let to = PALETTE[(usize::from(digest[0]) + 1 + usize::from(digest[1]) % 11) % PALETTE.len()];
    let shapes = products(prompt, seed, width, height);
    let floor = height * 3 / 4;
    let row_len = width as usize * 3;
    let mut pixels = vec![0u8; row_len * height as usize];
    for (y, row) in pixels.chunks_exact_mut(row_len).enumerate() {
        let y = y as u32;
        paint_gradient(row, y, width, height, from, to, y >= floor);
        for shape in &shapes {
            shape.paint_row(row, y, width);
        }
    }
    encode(&pixels, width, height).unwrap_or_else(|err| {
        tracing::warn!(%err, "poster encoding failed");
        Vec::new()
    })
}

/// How many products the prompt names: items separated by `、`, `+` or `和` (and commas).
pub fn item_count(prompt: &str) -> usize {
    let separators = ['、', '+', '＋', '和', ',', '，'];
    let count = prompt
        .split(&separators[..])
        .filter(|part| !part.trim().is_empty())
        .count();
    count.clamp(1, MAX_PRODUCTS)
}

fn hash(prompt: &str, seed: u64, salt: u64) -> [u8; 32] {
    let mut hasher = Sha256::new();
    hasher.update(prompt.as_bytes());
    hasher.update(seed.to_le_bytes());
    hasher.update(salt.to_le_bytes());
    hasher.finalize().into()
}

fn paint_gradient(
    row: &mut [u8],
    y: u32,
    width: u32,
    height: u32,
    from: [u8; 3],
    to: [u8; 3],
    floor: bool,
) {
    let span = u64::from(width + height).saturating_sub(2).max(1);
    for (x, pixel) in row.chunks_exact_mut(3).enumerate() {
        let t = u64::from(x as u32 + y);
        for c in 0..3 {
            let mixed = (u64::from(from[c]) * (span - t) + u64::from(to[c]) * t) / span;
            // The table band is the same gradient, darkened by a quarter.
            pixel[c] = if floor {
                (mixed * 3 / 4) as u8
            } else {
                mixed as u8
            };
        }
    }
}

#[derive(Clone, Copy, Debug)]
enum Kind {
    Circle,
    RoundRect,
}

/// One filled shape, in pixel units; `radius` is the corner radius of a rounded rectangle.
#[derive(Clone, Copy, Debug)]
struct Shape {
    kind: Kind,
    cx: f32,
    cy: f32,
    half_w: f32,
    half_h: f32,
    radius: f32,
    colour: [u8; 3],
}

impl Shape {
    /// The horizontal extent this shape covers on row `y`, if any.
    fn span(&self, y: f32) -> Option<(f32, f32)> {
        let dy = y - self.cy;
        if dy.abs() > self.half_h {
            return None;
        }
        let half = match self.kind {
            Kind::Circle => (self.half_h * self.half_h - dy * dy).max(0.0).sqrt(),
            Kind::RoundRect => {
                let edge = self.half_h - dy.abs();
                let inset = if edge < self.radius {
                    let d = self.radius - edge;
                    self.radius - (self.radius * self.radius - d * d).max(0.0).sqrt()
                } else {
                    0.0
                };
                self.half_w - inset
            }
        };
        Some((self.cx - half, self.cx + half))
    }

    fn paint_row(&self, row: &mut [u8], y: u32, width: u32) {
        let Some((left, right)) = self.span(y as f32 + 0.5) else {
            return;
        };
        let start = left.max(0.0).round() as usize;
        let end = (right.round().max(0.0) as usize).min(width as usize);
        for pixel in row.chunks_exact_mut(3).take(end).skip(start) {
            pixel.copy_from_slice(&self.colour);
        }
    }
}

/// Products stand in a row on the table; each is a bottle (rounded rectangle) or a tin (circle)
/// with a light label, sized and nudged by the hash so every prompt gets its own arrangement.
fn products(prompt: &str, seed: u64, width: u32, height: u32) -> Vec<Shape> {
    let count = item_count(prompt);
    let (w, h) = (width as f32, height as f32);
    let slot = w / count as f32;
    let mut shapes = Vec::with_capacity(count * 2);
    for i in 0..count {
        let d = hash(prompt, seed, i as u64);
        let size = slot.min(h) * (0.28 + f32::from(d[0]) / 255.0 * 0.12);
        let cx = slot * (i as f32 + 0.5) + (f32::from(d[1]) / 255.0 - 0.5) * slot * 0.2;
        let colour = PALETTE[usize::from(d[2]) % PALETTE.len()];
        let body = if d[3].is_multiple_of(2) {
            let half_h = size * 1.1;
            Shape {
                kind: Kind::RoundRect,
                cx,
                cy: h * 0.75 - half_h,
                half_w: size * 0.55,
                half_h,
                radius: size * 0.2,
                colour,
            }
        } else {
            Shape {
                kind: Kind::Circle,
                cx,
                cy: h * 0.75 - size * 0.6,
                half_w: size * 0.6,
                half_h: size * 0.6,
                radius: 0.0,
                colour,
            }
        };
        let label = Shape {
            kind: Kind::RoundRect,
            half_w: body.half_w * 0.6,
            half_h: body.half_h * 0.22,
            radius: body.half_h * 0.08,
            colour: lighten(colour),
            ..body
        };
        shapes.push(body);
        shapes.push(label);
    }
    shapes
}

fn lighten(colour: [u8; 3]) -> [u8; 3] {
    colour.map(|c| (u16::from(c) + (255 - u16::from(c)) * 3 / 4) as u8)
}

fn encode(pixels: &[u8], width: u32, height: u32) -> Result<Vec<u8>, png::EncodingError> {
    let mut out = Vec::with_capacity(pixels.len() / 8);
    let mut encoder = png::Encoder::new(&mut out, width, height);
    encoder.set_color(png::ColorType::Rgb);
    encoder.set_depth(png::BitDepth::Eight);
    encoder.set_compression(png::Compression::Fast);
    let mut writer = encoder.write_header()?;
    writer.write_image_data(pixels)?;
    writer.finish()?;
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn decode(bytes: &[u8]) -> (u32, u32, Vec<u8>) {
        let decoder = png::Decoder::new(bytes);
        let mut reader = decoder.read_info().expect("png header");
        let mut buf = vec![0; reader.output_buffer_size()];
        let info = reader.next_frame(&mut buf).expect("png frame");
        assert_eq!(info.color_type, png::ColorType::Rgb);
        buf.truncate(info.buffer_size());
        (info.width, info.height, buf)
    }

    #[test]
    fn decodes_to_the_requested_size() {
        let png = bundle_poster("夏季饮料组合：柠檬茶、矿泉水和果汁", 768, 512, 7);
        let (w, h, pixels) = decode(&png);
        assert_eq!((w, h), (768, 512));
        // Not a flat fill: a gradient and shapes give many distinct colours.
        let distinct: std::collections::HashSet<&[u8]> = pixels.chunks_exact(3).collect();
        assert!(distinct.len() > 50, "only {} colours", distinct.len());
    }

    #[test]
    fn same_input_same_bytes_and_different_prompt_or_seed_differs() {
        let a = bundle_poster("咖啡+蛋糕", 512, 512, 1);
        assert_eq!(a, bundle_poster("咖啡+蛋糕", 512, 512, 1));
        assert_ne!(a, bundle_poster("咖啡+饼干", 512, 512, 1));
        assert_ne!(a, bundle_poster("咖啡+蛋糕", 512, 512, 2));
    }

    #[test]
    fn counts_named_items() {
        assert_eq!(item_count("一瓶水"), 1);
        assert_eq!(item_count("牛奶、面包和鸡蛋"), 3);
        assert_eq!(item_count("a+b+c+d+e+f+g+h"), MAX_PRODUCTS);
        assert_eq!(item_count(""), 1);
    }

    #[test]
    fn odd_sizes_do_not_panic() {
        for (w, h) in [(1, 1), (0, 0), (3, 1000), (u32::MAX, 2)] {
            let (dw, dh, _) = decode(&bundle_poster("x", w, h, 0));
            assert_eq!((dw, dh), (w.clamp(1, MAX_SIDE), h.clamp(1, MAX_SIDE)));
        }
    }

    #[test]
    fn renders_1024_square_quickly() {
        let started = std::time::Instant::now();
        let png = bundle_poster("礼盒：茶叶、茶杯、茶壶", 1024, 1024, 42);
        let elapsed = started.elapsed();
        assert!(!png.is_empty());
        // Generous bound: unoptimised test builds on a busy 2-core machine.
        assert!(
            elapsed < std::time::Duration::from_secs(3),
            "took {elapsed:?}"
        );
    }
}
