//! The desired graph: resources by address, each with the resources it depends on.

use crate::reference;
use crate::resource::{Address, Spec};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};

/// One resource of the desired graph.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Resource {
    /// Address.
    pub address: Address,
    /// What AWS should hold (with references).
    pub spec: Spec,
    /// Resources that must exist first: every reference, plus explicit ordering.
    pub depends_on: BTreeSet<Address>,
}

/// The desired graph of one cluster.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Desired {
    /// Cluster name.
    pub cluster: String,
    /// Region.
    pub region: String,
    /// Resources by address.
    pub resources: BTreeMap<Address, Resource>,
}

impl Desired {
    /// Adds a resource; its references become dependencies, `after` adds ordering the
    /// references do not carry.
    pub fn add(&mut self, address: Address, spec: Spec, after: &[Address]) {
        let mut depends_on = reference::addresses(&serde_json::Value::Object(spec.fields()));
        depends_on.extend(after.iter().cloned());
        depends_on.remove(&address);
        self.resources.insert(
            address.clone(),
            Resource {
                address,
                spec,
                depends_on,
            },
        );
    }

    /// Addresses in an order where every resource comes after its dependencies (ties broken by
    /// address). Dependencies outside the graph are ignored.
    pub fn order(&self) -> Result<Vec<Address>, Vec<Address>> {
        topological(&self.dependencies())
    }

    /// Dependencies of every resource, restricted to the graph.
    pub fn dependencies(&self) -> BTreeMap<Address, BTreeSet<Address>> {
        self.resources
            .iter()
            .map(|(address, resource)| {
                let inside = resource
                    .depends_on
                    .iter()
                    .filter(|dependency| self.resources.contains_key(*dependency))
                    .cloned()
                    .collect();
                (address.clone(), inside)
            })
            .collect()
    }

    /// The longest path through the graph when each resource takes `duration(address)`:
    /// the least time any executor needs, and the yardstick of the engine's benchmark.
    pub fn critical_path(&self, duration: &dyn Fn(&Address) -> f64) -> f64 {
        let Ok(order) = self.order() else {
            return f64::NAN;
        };
        let dependencies = self.dependencies();
        let mut finish: BTreeMap<&Address, f64> = BTreeMap::new();
        for address in &order {
            let start = dependencies[address]
                .iter()
                .map(|dependency| finish.get(dependency).copied().unwrap_or(0.0))
                .fold(0.0, f64::max);
            finish.insert(address, start + duration(address));
        }
        finish.values().copied().fold(0.0, f64::max)
    }
}

/// Kahn's algorithm over `edges` (node → the nodes it waits for); on a cycle, the nodes left.
pub fn topological<N: Ord + Clone>(edges: &BTreeMap<N, BTreeSet<N>>) -> Result<Vec<N>, Vec<N>> {
    let mut waiting: BTreeMap<&N, usize> = edges
        .iter()
        .map(|(node, before)| {
            (
                node,
                before.iter().filter(|b| edges.contains_key(*b)).count(),
            )
        })
        .collect();
    let mut dependents: BTreeMap<&N, Vec<&N>> = BTreeMap::new();
    for (node, before) in edges {
        for dependency in before {
            if edges.contains_key(dependency) {
                dependents.entry(dependency).or_default().push(node);
            }
        }
    }
    let mut ready: BTreeSet<&N> = waiting
        .iter()
        .filter(|(_, count)| **count == 0)
        .map(|(node, _)| *node)
        .collect();
    let mut order = Vec::with_capacity(edges.len());
    while let Some(node) = ready.pop_first() {
        order.push(node.clone());
        waiting.remove(node);
        for dependent in dependents.get(node).into_iter().flatten() {
            if let Some(count) = waiting.get_mut(dependent) {
                *count -= 1;
                if *count == 0 {
                    ready.insert(dependent);
                }
            }
        }
    }
    if waiting.is_empty() {
        Ok(order)
    } else {
        Err(waiting.keys().map(|node| (*node).clone()).collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn topological_order_and_cycles() {
        let mut edges: BTreeMap<u32, BTreeSet<u32>> = BTreeMap::new();
        edges.insert(1, BTreeSet::new());
        edges.insert(2, [1].into());
        edges.insert(3, [1, 2].into());
        assert_eq!(topological(&edges), Ok(vec![1, 2, 3]));
        edges.insert(1, [3].into());
        assert_eq!(topological(&edges), Err(vec![1, 2, 3]));
    }
}
