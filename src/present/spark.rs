//! Sparklines: numbers as a row of block glyphs (▁▂▃▄▅▆▇█), one glyph per value, scaled from
//! zero to the row's largest value. The one glyph mapping of cdkx's charts.

/// The eight heights, lowest first.
pub const BARS: [char; 8] = ['▁', '▂', '▃', '▄', '▅', '▆', '▇', '█'];

/// The glyph of `v` on a scale from 0 to `max`: zero (or less) is the lowest bar, anything
/// above zero at least the second, so one call among thousands still shows.
pub fn glyph(v: f64, max: f64) -> char {
    let positive = |x: f64| x.partial_cmp(&0.0) == Some(std::cmp::Ordering::Greater);
    if !positive(v) || !positive(max) {
        return BARS[0];
    }
    let level = (v / max * 7.0).round() as usize;
    BARS[level.clamp(1, 7)]
}

/// One glyph per value, scaled to the largest.
pub fn spark(values: &[f64]) -> String {
    let max = values.iter().copied().fold(0.0, f64::max);
    values.iter().map(|&v| glyph(v, max)).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn zero_is_the_baseline_and_any_value_shows() {
        assert_eq!(spark(&[0.0, 1.0, 7.0, 3.5, 0.0]), "▁▂█▅▁");
        assert_eq!(
            spark(&[0.0, 1.0, 1000.0]),
            "▁▂█",
            "one among a thousand still shows"
        );
        assert_eq!(spark(&[0.0, 0.0]), "▁▁");
        assert_eq!(spark(&[2.0, 2.0]), "██");
        assert_eq!(spark(&[f64::NAN, -1.0, 1.0]), "▁▁█");
        assert_eq!(spark(&[]), "");
    }
}
