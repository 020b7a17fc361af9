//! AWS regions and their availability zones.

/// A region: its name, partition and the letters of its availability zones.
#[derive(Debug, Clone, Copy)]
pub struct Region {
    /// Region code (`us-east-1`).
    pub name: &'static str,
    /// ARN partition.
    pub partition: &'static str,
    /// Availability zone letters, in order (`us-east-1a` ...).
    pub zones: &'static str,
}

/// Every region sakk knows.
pub const REGIONS: &[Region] = &[
    Region {
        name: "us-east-1",
        partition: "aws",
        zones: "abcdef",
    },
    Region {
        name: "us-east-2",
        partition: "aws",
        zones: "abc",
    },
    Region {
        name: "us-west-1",
        partition: "aws",
        zones: "abc",
    },
    Region {
        name: "us-west-2",
        partition: "aws",
        zones: "abcd",
    },
    Region {
        name: "af-south-1",
        partition: "aws",
        zones: "abc",
    },
    Region {
        name: "ap-east-1",
        partition: "aws",
        zones: "abc",
    },
    Region {
        name: "ap-east-2",
        partition: "aws",
        zones: "abc",
    },
    Region {
        name: "ap-south-1",
        partition: "aws",
        zones: "abc",
    },
    Region {
        name: "ap-south-2",
        partition: "aws",
        zones: "abc",
    },
    Region {
        name: "ap-northeast-1",
        partition: "aws",
        zones: "acd",
    },
    Region {
        name: "ap-northeast-2",
        partition: "aws",
        zones: "abcd",
    },
    Region {
        name: "ap-northeast-3",
        partition: "aws",
        zones: "abc",
    },
    Region {
        name: "ap-southeast-1",
        partition: "aws",
        zones: "abc",
    },
    Region {
        name: "ap-southeast-2",
        partition: "aws",
        zones: "abc",
    },
    Region {
        name: "ap-southeast-3",
        partition: "aws",
        zones: "abc",
    },
    Region {
        name: "ap-southeast-4",
        partition: "aws",
        zones: "abc",
    },
    Region {
        name: "ap-southeast-5",
        partition: "aws",
        zones: "abc",
    },
    Region {
        name: "ap-southeast-6",
        partition: "aws",
        zones: "abc",
    },
    Region {
        name: "ap-southeast-7",
        partition: "aws",
        zones: "abc",
    },
    Region {
        name: "ca-central-1",
        partition: "aws",
        zones: "abd",
    },
    Region {
        name: "ca-west-1",
        partition: "aws",
        zones: "abc",
    },
    Region {
        name: "eu-central-1",
        partition: "aws",
        zones: "abc",
    },
    Region {
        name: "eu-central-2",
        partition: "aws",
        zones: "abc",
    },
    Region {
        name: "eu-west-1",
        partition: "aws",
        zones: "abc",
    },
    Region {
        name: "eu-west-2",
        partition: "aws",
        zones: "abc",
    },
    Region {
        name: "eu-west-3",
        partition: "aws",
        zones: "abc",
    },
    Region {
        name: "eu-south-1",
        partition: "aws",
        zones: "abc",
    },
    Region {
        name: "eu-south-2",
        partition: "aws",
        zones: "abc",
    },
    Region {
        name: "eu-north-1",
        partition: "aws",
        zones: "abc",
    },
    Region {
        name: "il-central-1",
        partition: "aws",
        zones: "abc",
    },
    Region {
        name: "me-south-1",
        partition: "aws",
        zones: "abc",
    },
    Region {
        name: "me-central-1",
        partition: "aws",
        zones: "abc",
    },
    Region {
        name: "mx-central-1",
        partition: "aws",
        zones: "abc",
    },
    Region {
        name: "sa-east-1",
        partition: "aws",
        zones: "abc",
    },
    Region {
        name: "us-gov-east-1",
        partition: "aws-us-gov",
        zones: "abc",
    },
    Region {
        name: "us-gov-west-1",
        partition: "aws-us-gov",
        zones: "abc",
    },
    Region {
        name: "cn-north-1",
        partition: "aws-cn",
        zones: "abd",
    },
    Region {
        name: "cn-northwest-1",
        partition: "aws-cn",
        zones: "abc",
    },
];

/// The region named `name`.
pub fn region(name: &str) -> Option<&'static Region> {
    REGIONS.iter().find(|region| region.name == name)
}

/// The region an availability zone name belongs to (`eu-west-1b` → `eu-west-1`), if any.
pub fn region_of_zone(zone: &str) -> Option<&'static Region> {
    let letter = zone.chars().last()?;
    let prefix = zone.strip_suffix(letter)?;
    region(prefix).filter(|region| region.zones.contains(letter))
}

impl Region {
    /// Its availability zones, in order.
    pub fn zone_names(&self) -> impl Iterator<Item = String> + '_ {
        self.zones
            .chars()
            .map(|letter| format!("{}{letter}", self.name))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn zones_map_back_to_their_region() {
        assert_eq!(
            region_of_zone("eu-west-1b").map(|region| region.name),
            Some("eu-west-1")
        );
        assert!(region_of_zone("ap-northeast-1b").is_none());
        assert!(region_of_zone("us-east-2d").is_none());
        for region in REGIONS {
            for zone in region.zone_names() {
                assert_eq!(
                    region_of_zone(&zone).map(|found| found.name),
                    Some(region.name)
                );
            }
        }
    }
}
