//! A construct tree parsed straight into its flat, depth-first list of entries.
//!
//! Parsing a node into an owned tree first (children vectors, attribute values) and flattening
//! it afterwards cost two thirds of `list --offline` on a split 10,000-resource app: every node
//! was allocated twice and moved a few times. Here a node's entry is written as its fields are
//! read, its children appended after it, and a split tree's reference (`fileName`/`treeId`) is
//! left as a marker at its place, resolved once the forest file is read. The result is the same
//! list, entry for entry; a node that does not parse is parsed again the plain way to name the
//! field that is wrong (see [`parse_items`]).

use std::borrow::Cow;
use std::fmt;
use std::path::Path;

use serde::Deserialize;
use serde::de::{self, DeserializeSeed, IgnoredAny, MapAccess, Visitor};

use super::{AssemblyError, TreeEntry};

/// One node of a tree file, flattened.
pub(super) enum Item {
    /// A node with a path: its entry.
    Entry(TreeEntry),
    /// A split tree's reference: the node stands for `forest[tree_id]` in `file`.
    Ref(Reference),
    /// A node without a path (the root, `Tree`): no entry, its children follow it.
    Skip,
    /// A forest entry's root without a path: it takes the referring node's.
    Pathless(TreeEntry),
}

pub(super) struct Reference {
    pub file: String,
    pub tree_id: String,
    /// The referring node's path: the target's when the target has none.
    pub path: Option<String>,
    pub id: String,
    /// The referring node's depth, which the target takes.
    pub depth: usize,
}

// Depths: an item's entry holds its node's depth in the tree (the root's children are at 1) as
// parsed; [`super::expand`] adds the depth a forest entry is used at and makes it an entry's depth
// (one less, the root's children being the top level).

/// Parses the node in `bytes` (the part of `file` at field path `at`) at `depth`, appending its
/// items to `out`. On an error nothing is appended, and the node is parsed again as a plain
/// structure to say which field is wrong, in the words of every other file cdkx reads.
pub(super) fn parse_items(
    file: &Path,
    bytes: &[u8],
    at: &str,
    depth: usize,
    out: &mut Vec<Item>,
) -> Result<(), AssemblyError> {
    let start = out.len();
    let mut de = serde_json::Deserializer::from_slice(bytes);
    let parsed = NodeSeed {
        depth,
        deferred_path: false,
        out: &mut *out,
    }
    .deserialize(&mut de)
    .and_then(|()| de.end());
    match parsed {
        Ok(()) => Ok(()),
        Err(e) => {
            out.truncate(start);
            // The plain parse names the field; should it find nothing wrong, say what this one found.
            super::parse_at::<super::TreeNode>(file, bytes, at)?;
            Err(AssemblyError::invalid(
                file,
                if at.is_empty() {
                    format!("invalid tree: {e}")
                } else {
                    format!("field `{at}`: {e}")
                },
            ))
        }
    }
}

/// A forest file's entries, each parsed into its items (its root at depth 0).
pub(super) type ForestItems = std::collections::HashMap<String, Vec<Item>>;

/// Parses a forest file (`{"forest": {TREE_ID: node, ...}}`) into its entries' items. An error
/// is said as [`parse_items`] says it.
pub(super) fn parse_forest(file: &Path, bytes: &[u8]) -> Result<ForestItems, AssemblyError> {
    let mut de = serde_json::Deserializer::from_slice(bytes);
    match ForestSeed
        .deserialize(&mut de)
        .and_then(|f| de.end().map(|()| f))
    {
        Ok(f) => Ok(f),
        Err(e) => {
            super::parse_json::<PlainForest>(file, bytes)?;
            Err(AssemblyError::invalid(file, format!("invalid tree: {e}")))
        }
    }
}

/// A forest file as plain structures, parsed only to name the field that is wrong.
#[derive(Deserialize)]
#[allow(dead_code)]
struct PlainForest {
    forest: std::collections::HashMap<String, super::TreeNode>,
}

struct ForestSeed;

impl<'de> DeserializeSeed<'de> for ForestSeed {
    type Value = ForestItems;
    fn deserialize<D: de::Deserializer<'de>>(self, d: D) -> Result<ForestItems, D::Error> {
        d.deserialize_map(self)
    }
}

impl<'de> Visitor<'de> for ForestSeed {
    type Value = ForestItems;
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("struct PlainForest")
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<ForestItems, A::Error> {
        let mut forest: Option<ForestItems> = None;
        while let Some(key) = map.next_key::<Cow<'de, str>>()? {
            if key == "forest" {
                if forest.is_some() {
                    return Err(de::Error::duplicate_field("forest"));
                }
                forest = Some(map.next_value_seed(EntriesSeed)?);
            } else {
                map.next_value::<IgnoredAny>()?;
            }
        }
        forest.ok_or_else(|| de::Error::missing_field("forest"))
    }
}

struct EntriesSeed;

impl<'de> DeserializeSeed<'de> for EntriesSeed {
    type Value = ForestItems;
    fn deserialize<D: de::Deserializer<'de>>(self, d: D) -> Result<ForestItems, D::Error> {
        d.deserialize_map(self)
    }
}

impl<'de> Visitor<'de> for EntriesSeed {
    type Value = ForestItems;
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a map")
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<ForestItems, A::Error> {
        let mut out = ForestItems::with_capacity(map.size_hint().unwrap_or(0).min(4096));
        while let Some(id) = map.next_key::<String>()? {
            let mut items = Vec::new();
            map.next_value_seed(NodeSeed {
                depth: 0,
                deferred_path: true,
                out: &mut items,
            })?;
            out.insert(id, items);
        }
        Ok(out)
    }
}

struct NodeSeed<'o> {
    depth: usize,
    /// A forest entry's root: without a path of its own, it takes the referring node's.
    deferred_path: bool,
    out: &'o mut Vec<Item>,
}

impl<'de> DeserializeSeed<'de> for NodeSeed<'_> {
    type Value = ();
    fn deserialize<D: de::Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_map(self)
    }
}

/// The fields of a node cdkx reads; the others are skipped unparsed.
enum Field {
    Id,
    Path,
    Children,
    Attributes,
    ConstructInfo,
    FileName,
    TreeId,
    Other,
}

impl<'de> Deserialize<'de> for Field {
    fn deserialize<D: de::Deserializer<'de>>(d: D) -> Result<Field, D::Error> {
        struct V;
        impl Visitor<'_> for V {
            type Value = Field;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a field name")
            }
            fn visit_str<E: de::Error>(self, s: &str) -> Result<Field, E> {
                Ok(match s {
                    "id" => Field::Id,
                    "path" => Field::Path,
                    "children" => Field::Children,
                    "attributes" => Field::Attributes,
                    "constructInfo" => Field::ConstructInfo,
                    "fileName" => Field::FileName,
                    "treeId" => Field::TreeId,
                    _ => Field::Other,
                })
            }
        }
        d.deserialize_identifier(V)
    }
}

/// Sets `slot` once; a field given twice is an error, as serde's derived structs say it.
fn once<T, E: de::Error>(slot: &mut Option<T>, value: T, name: &'static str) -> Result<(), E> {
    if slot.is_some() {
        return Err(E::duplicate_field(name));
    }
    *slot = Some(value);
    Ok(())
}

impl<'de> Visitor<'de> for NodeSeed<'_> {
    type Value = ();
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("struct TreeNode")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        let slot = self.out.len();
        self.out.push(Item::Skip);
        let mut id: Option<String> = None;
        let mut path: Option<Option<String>> = None;
        let mut children = false;
        let mut attributes: Option<Option<Attributes>> = None;
        let mut info: Option<Option<Info>> = None;
        let mut file_name: Option<Option<String>> = None;
        let mut tree_id: Option<Option<String>> = None;
        while let Some(field) = map.next_key::<Field>()? {
            match field {
                Field::Id => once(&mut id, map.next_value()?, "id")?,
                Field::Path => once(&mut path, map.next_value()?, "path")?,
                Field::Children => {
                    if children {
                        return Err(de::Error::duplicate_field("children"));
                    }
                    children = true;
                    map.next_value_seed(ChildrenSeed {
                        depth: self.depth + 1,
                        out: &mut *self.out,
                    })?;
                }
                Field::Attributes => once(&mut attributes, map.next_value()?, "attributes")?,
                Field::ConstructInfo => once(&mut info, map.next_value()?, "constructInfo")?,
                Field::FileName => once(&mut file_name, map.next_value()?, "fileName")?,
                Field::TreeId => once(&mut tree_id, map.next_value()?, "treeId")?,
                Field::Other => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        let id = id.ok_or_else(|| de::Error::missing_field("id"))?;
        let path = path.flatten();
        if let (Some(Some(file)), Some(Some(tree_id))) = (file_name, tree_id) {
            // The node stands for a forest entry: its own children, if any, are not the tree's.
            self.out.truncate(slot + 1);
            self.out[slot] = Item::Ref(Reference {
                file,
                tree_id,
                path,
                id,
                depth: self.depth,
            });
            return Ok(());
        }
        let deferred = path.is_none() && self.deferred_path;
        if let Some(p) = path
            .filter(|p| !p.is_empty() && p != "Tree")
            .or_else(|| deferred.then(String::new))
        {
            let (logical_id, cfn_type) = match attributes.flatten() {
                Some(a) => (a.logical_id.and_then(|t| t.0), a.cfn_type.and_then(|t| t.0)),
                None => (None, None),
            };
            let entry = TreeEntry {
                id,
                path: p,
                fqn: info.flatten().and_then(|i| i.fqn),
                depth: self.depth,
                logical_id,
                cfn_type,
            };
            self.out[slot] = if deferred {
                Item::Pathless(entry)
            } else {
                Item::Entry(entry)
            };
        }
        Ok(())
    }
}

/// A node's `children` object: each value a node, in order (null reads as no children).
struct ChildrenSeed<'o> {
    depth: usize,
    out: &'o mut Vec<Item>,
}

impl<'de> DeserializeSeed<'de> for ChildrenSeed<'_> {
    type Value = ();
    fn deserialize<D: de::Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_option(self)
    }
}

impl<'de> Visitor<'de> for ChildrenSeed<'_> {
    type Value = ();
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("an object of child nodes")
    }
    fn visit_unit<E: de::Error>(self) -> Result<(), E> {
        Ok(())
    }
    fn visit_none<E: de::Error>(self) -> Result<(), E> {
        Ok(())
    }
    fn visit_some<D: de::Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_map(self)
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        while map.next_key::<IgnoredAny>()?.is_some() {
            map.next_value_seed(NodeSeed {
                depth: self.depth,
                deferred_path: false,
                out: &mut *self.out,
            })?;
        }
        Ok(())
    }
}

/// The two attributes cdkx reads; the rest (notably the full `props`) is skipped unparsed.
#[derive(Deserialize)]
struct Attributes {
    #[serde(rename = "aws:cdk:cloudformation:logicalId", default)]
    logical_id: Option<Text>,
    #[serde(rename = "aws:cdk:cloudformation:type", default)]
    cfn_type: Option<Text>,
}

#[derive(Deserialize)]
struct Info {
    fqn: Option<String>,
}

/// A string, or any other JSON value read as none.
struct Text(Option<String>);

impl<'de> Deserialize<'de> for Text {
    fn deserialize<D: de::Deserializer<'de>>(d: D) -> Result<Text, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Text;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("any JSON value")
            }
            fn visit_str<E: de::Error>(self, s: &str) -> Result<Text, E> {
                Ok(Text(Some(s.to_string())))
            }
            fn visit_string<E: de::Error>(self, s: String) -> Result<Text, E> {
                Ok(Text(Some(s)))
            }
            fn visit_bool<E: de::Error>(self, _: bool) -> Result<Text, E> {
                Ok(Text(None))
            }
            fn visit_i64<E: de::Error>(self, _: i64) -> Result<Text, E> {
                Ok(Text(None))
            }
            fn visit_u64<E: de::Error>(self, _: u64) -> Result<Text, E> {
                Ok(Text(None))
            }
            fn visit_f64<E: de::Error>(self, _: f64) -> Result<Text, E> {
                Ok(Text(None))
            }
            fn visit_unit<E: de::Error>(self) -> Result<Text, E> {
                Ok(Text(None))
            }
            fn visit_seq<A: de::SeqAccess<'de>>(self, mut seq: A) -> Result<Text, A::Error> {
                while seq.next_element::<IgnoredAny>()?.is_some() {}
                Ok(Text(None))
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Text, A::Error> {
                while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
                Ok(Text(None))
            }
        }
        d.deserialize_any(V)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn items(json: &str) -> Result<Vec<String>, String> {
        let mut out = Vec::new();
        parse_items(Path::new("tree.json"), json.as_bytes(), "tree", 0, &mut out)
            .map_err(|e| e.to_string())?;
        Ok(out
            .into_iter()
            .map(|i| match i {
                Item::Entry(e) => format!(
                    "{}@{} {} {:?} {:?} {:?}",
                    e.path, e.depth, e.id, e.fqn, e.logical_id, e.cfn_type
                ),
                Item::Ref(r) => format!("ref {}#{} {:?}@{}", r.file, r.tree_id, r.path, r.depth),
                Item::Skip => "skip".into(),
                Item::Pathless(e) => format!("pathless {}", e.id),
            })
            .collect())
    }

    #[test]
    fn a_node_comes_before_its_children_whatever_the_order_of_its_fields() {
        let got = items(
            r#"{"children": {"A": {"path": "S/A", "id": "A",
                  "attributes": {"aws:cdk:cloudformation:logicalId": "A1", "aws:cdk:cloudformation:type": 7,
                                 "aws:cdk:cloudformation:props": {"x": [1, {"y": null}]}},
                  "constructInfo": {"fqn": "x.A", "version": "1"}},
                "R": {"id": "R", "path": "S/R", "fileName": "trees-1.json", "treeId": "t1",
                  "children": {"Lost": {"id": "Lost", "path": "S/R/Lost"}}},
                "N": {"id": "N", "children": null}},
              "extra": [1, 2], "id": "S", "path": "S"}"#,
        )
        .unwrap();
        assert_eq!(
            got,
            [
                "S@0 S None None None",
                "S/A@1 A Some(\"x.A\") Some(\"A1\") None",
                "ref trees-1.json#t1 Some(\"S/R\")@1",
                "skip",
            ]
        );
    }

    #[test]
    fn a_bad_node_names_its_field_and_appends_nothing() {
        let err = items(r#"{"id": "S", "children": {"A": {"id": 3}}}"#).unwrap_err();
        assert!(err.contains("field `tree.children.A.id`"), "{err}");
        let err = items(r#"{"path": "S"}"#).unwrap_err();
        assert!(err.contains("missing field `id`"), "{err}");
        let err = items(r#"{"id": "S", "id": "T"}"#).unwrap_err();
        assert!(err.contains("duplicate field `id`"), "{err}");
        let err = items(r#"{"id": "S", "children": [1]}"#).unwrap_err();
        assert!(err.contains("tree.children"), "{err}");
    }
}
