//! Exact decimal text for amounts, percentages and drug quantities. Everything is computed in whole
//! ten-thousandths (10⁻⁴) and written with 0, 2 or 4 fraction digits, so no binary floating point
//! ever decides a digit of a generated file.

use std::fmt;

/// Ten-thousandths in one unit (dollar, percent point, drug unit).
pub(crate) const UNIT: u64 = 10_000;

/// A positive decimal: `value` ten-thousandths, written with `places` fraction digits.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) struct Fixed {
    value: u64,
    places: u8,
}

impl Fixed {
    /// `value` ten-thousandths rounded half-up to `places` (0..=4) fraction digits. CMS numbers must
    /// be positive, so anything that would round to zero becomes the smallest step instead.
    pub const fn round(value: u64, places: u8) -> Self {
        let step = 10u64.pow(4 - places as u32);
        let rounded = (value + step / 2) / step * step;
        Self {
            value: if rounded == 0 { step } else { rounded },
            places,
        }
    }

    /// Whole units, written without a fraction.
    pub const fn whole(units: u64) -> Self {
        Self::round(units * UNIT, 0)
    }

    pub const fn value(self) -> u64 {
        self.value
    }

    /// This value times `basis_points` / 10 000, with the same number of places.
    pub fn scale(self, basis_points: u64) -> Self {
        Self::round(scale(self.value, basis_points), self.places)
    }
}

/// `value` × `basis_points` / 10 000, rounded half-up. The largest generated values (a $500,000 case
/// rate is 5·10⁹ ten-thousandths) times a factor of at most a few ×10⁴ stay far below `u64::MAX`.
pub(crate) const fn scale(value: u64, basis_points: u64) -> u64 {
    (value * basis_points + UNIT / 2) / UNIT
}

impl fmt::Display for Fixed {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.value / UNIT)?;
        if self.places > 0 {
            let digits = usize::from(self.places);
            let fraction = (self.value % UNIT) / 10u64.pow(4 - u32::from(self.places));
            write!(f, ".{fraction:0digits$}")?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn writes_exact_text_with_the_asked_places() {
        assert_eq!(Fixed::round(12_345_678, 2).to_string(), "1234.57");
        assert_eq!(Fixed::round(12_345_678, 4).to_string(), "1234.5678");
        assert_eq!(Fixed::round(12_345_678, 0).to_string(), "1235");
        assert_eq!(Fixed::round(7_500, 4).to_string(), "0.7500");
        assert_eq!(Fixed::round(5_000, 2).to_string(), "0.50");
        assert_eq!(Fixed::round(625_000, 2).to_string(), "62.50");
        assert_eq!(Fixed::round(6_000, 1).to_string(), "0.6");
        assert_eq!(Fixed::whole(100).to_string(), "100");
    }

    #[test]
    fn never_rounds_to_zero() {
        assert_eq!(Fixed::round(1, 2).to_string(), "0.01");
        assert_eq!(Fixed::round(0, 4).to_string(), "0.0001");
        assert_eq!(Fixed::round(10, 0).to_string(), "1");
    }

    #[test]
    fn scales_by_basis_points() {
        assert_eq!(
            Fixed::round(1_000_000, 2).scale(15_000).to_string(),
            "150.00"
        );
        assert_eq!(Fixed::round(12_345, 4).scale(5_000).to_string(), "0.6173");
        assert_eq!(scale(3, 5_000), 2, "half-up");
    }
}
