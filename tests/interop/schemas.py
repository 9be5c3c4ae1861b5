"""The schemas of the random-data interoperability test: name -> (schema, extremes).
extremes: logical values outside the range of Python's datetime (years beyond
1..9999, times of day out of 0..24 h), which fastavro cannot read as logical values."""

ITEM = {"type": "record", "name": "Item", "namespace": "c",
        "fields": [{"name": "k", "type": "string"}, {"name": "v", "type": "long"},
                   {"name": "tags", "type": {"type": "array", "items": "string"}}]}

# date, time and timestamp fields
TIMES = [{"name": name, "type": {"type": t, "logicalType": lt}} for name, t, lt in (
    ("day", "int", "date"), ("tm", "int", "time-millis"), ("tu", "long", "time-micros"),
    ("tsm", "long", "timestamp-millis"), ("tsu", "long", "timestamp-micros"),
    ("ltsm", "long", "local-timestamp-millis"), ("ltsu", "long", "local-timestamp-micros"))]

SCHEMAS = {
    "primitives": ({"type": "record", "name": "Prim", "fields": [
        {"name": "n", "type": "null"}, {"name": "b", "type": "boolean"},
        {"name": "i", "type": "int"}, {"name": "l", "type": "long"},
        {"name": "f", "type": "float"}, {"name": "d", "type": "double"},
        {"name": "by", "type": "bytes"}, {"name": "s", "type": "string"}]}, False),

    "nested records": ({"type": "record", "name": "Outer", "namespace": "n", "fields": [
        {"name": "id", "type": "long"},
        {"name": "inner", "type": {"type": "record", "name": "Inner", "fields": [
            {"name": "name", "type": "string"},
            {"name": "deep", "type": {"type": "record", "name": "Deep", "namespace": "n.d", "fields": [
                {"name": "x", "type": "int"}, {"name": "y", "type": "double"},
                {"name": "empty", "type": {"type": "record", "name": "Empty", "fields": []}}]}}]}},
        {"name": "inner2", "type": "Inner"},
        {"name": "deep2", "type": "n.d.Deep"}]}, False),

    "arrays and maps of records": ({"type": "record", "name": "C", "namespace": "c", "fields": [
        {"name": "items", "type": {"type": "array", "items": ITEM}},
        {"name": "byname", "type": {"type": "map", "values": "Item"}},
        {"name": "matrix", "type": {"type": "array", "items": {"type": "array", "items": "int"}}},
        {"name": "mm", "type": {"type": "map", "values": {"type": "map", "values": "double"}}},
        {"name": "nulls", "type": {"type": "array", "items": "null"}},
        {"name": "opt", "type": {"type": "array", "items": ["null", "Item"]}}]}, False),

    "unions": ({"type": "record", "name": "Un", "namespace": "u", "fields": [
        {"name": "u", "type": ["null", "int", "string", {"type": "record", "name": "UR", "fields": [
            {"name": "a", "type": "int"}, {"name": "b", "type": ["null", "string"]}]}]},
        {"name": "nums", "type": ["long", "int", "float", "double", "boolean", "null"]},
        {"name": "blobs", "type": ["bytes", {"type": "fixed", "name": "F4", "size": 4},
                                   {"type": "enum", "name": "E", "symbols": ["A", "B"]}]},
        {"name": "coll", "type": ["null", {"type": "array", "items": "UR"},
                                  {"type": "map", "values": ["null", "long"]}]},
        {"name": "single", "type": ["string"]}]}, False),

    "enums": ({"type": "record", "name": "En", "fields": [
        {"name": "suit", "type": {"type": "enum", "name": "Suit", "namespace": "cards",
                                  "symbols": ["SPADES", "HEARTS", "DIAMONDS", "CLUBS"]}},
        {"name": "suits", "type": {"type": "array", "items": "cards.Suit"}},
        {"name": "one", "type": {"type": "enum", "name": "One", "symbols": ["_only"]}},
        {"name": "maybe", "type": ["null", "cards.Suit"]}]}, False),

    "fixed": ({"type": "record", "name": "Fx", "fields": [
        {"name": "f1", "type": {"type": "fixed", "name": "F1", "size": 1}},
        {"name": "f16", "type": {"type": "fixed", "name": "F16", "size": 16}},
        {"name": "f5", "type": {"type": "fixed", "name": "F5", "namespace": "x.y", "size": 5}},
        {"name": "list", "type": {"type": "array", "items": "x.y.F5"}}]}, False),

    "recursive linked list": ({"type": "record", "name": "Node", "namespace": "list", "fields": [
        {"name": "value", "type": "long"},
        {"name": "label", "type": "string"},
        {"name": "next", "type": ["null", "Node"]}]}, False),

    "named-type references": ({"type": "record", "name": "Top", "namespace": "a.b", "fields": [
        {"name": "p", "type": {"type": "record", "name": "Pt", "fields": [
            {"name": "x", "type": "int"}, {"name": "y", "type": "int"}]}},
        {"name": "p_short", "type": "Pt"},
        {"name": "p_full", "type": "a.b.Pt"},
        {"name": "o", "type": {"type": "record", "name": "Pt", "namespace": "other", "fields": [
            {"name": "q", "type": "string"}]}},
        {"name": "o_ref", "type": "other.Pt"},
        {"name": "color", "type": {"type": "enum", "name": "Color", "symbols": ["RED", "GREEN"]}},
        {"name": "color2", "type": "Color"},
        {"name": "md5", "type": {"type": "fixed", "name": "c.MD5", "size": 16}},
        {"name": "md5b", "type": "c.MD5"},
        {"name": "either", "type": ["null", "a.b.Pt", "Color", "c.MD5", "string"]},
        {"name": "tree", "type": {"type": "record", "name": "Tree", "fields": [
            {"name": "kids", "type": {"type": "array", "items": "Tree"}},
            {"name": "byname", "type": {"type": "map", "values": "Tree"}}]}}]}, False),

    # Legal (full names differ), and a reader must tell the branches apart by full name.
    "union of records with the same short name": ({"type": "record", "name": "Top", "fields": [
        {"name": "either", "type": ["null",
                                    {"type": "record", "name": "Pt", "namespace": "a", "fields": [
                                        {"name": "x", "type": "int"}]},
                                    {"type": "record", "name": "Pt", "namespace": "b", "fields": [
                                        {"name": "x", "type": "int"}, {"name": "y", "type": "long"}]},
                                    {"type": "record", "name": "Pt", "namespace": "c", "fields": [
                                        {"name": "q", "type": "string"}]}]}]}, False),

    "logical types": ({"type": "record", "name": "Lg", "namespace": "lg", "fields": [
        {"name": "dec", "type": {"type": "bytes", "logicalType": "decimal", "precision": 10, "scale": 2}},
        {"name": "dec0", "type": {"type": "bytes", "logicalType": "decimal", "precision": 20}},
        {"name": "dec_big", "type": {"type": "bytes", "logicalType": "decimal", "precision": 60, "scale": 25}},
        {"name": "dec_fixed", "type": {"type": "fixed", "name": "D8", "size": 8, "logicalType": "decimal",
                                       "precision": 18, "scale": 4}},
        {"name": "dec_fixed3", "type": {"type": "fixed", "name": "D3", "size": 3, "logicalType": "decimal",
                                        "precision": 6, "scale": 6}},
        {"name": "id", "type": {"type": "string", "logicalType": "uuid"}},
        {"name": "id_fixed", "type": {"type": "fixed", "name": "U16", "size": 16, "logicalType": "uuid"}},
        *TIMES,
        {"name": "opt_ts", "type": ["null", {"type": "long", "logicalType": "timestamp-millis"}]},
        {"name": "opt_dec", "type": ["null", {"type": "bytes", "logicalType": "decimal",
                                              "precision": 5, "scale": 1}, "string"]},
        {"name": "days", "type": {"type": "array", "items": {"type": "int", "logicalType": "date"}}},
        {"name": "ids", "type": {"type": "map", "values": {"type": "string", "logicalType": "uuid"}}}]},
        False),

    "logical types at the extremes": ({"type": "record", "name": "LgX", "fields": TIMES}, True),

    "strings": ({"type": "record", "name": "Str", "fields": [
        {"name": "s", "type": "string"},
        {"name": "list", "type": {"type": "array", "items": "string"}},
        {"name": "dict", "type": {"type": "map", "values": "string"}},
        {"name": "opt", "type": ["null", "string"]}]}, False),

    "bytes": ({"type": "record", "name": "By", "fields": [
        {"name": "b", "type": "bytes"},
        {"name": "list", "type": {"type": "array", "items": "bytes"}},
        {"name": "fx", "type": {"type": "fixed", "name": "F3", "size": 3}},
        {"name": "opt", "type": ["null", "bytes"]}]}, False),

    "floats and doubles": ({"type": "record", "name": "Fl", "fields": [
        {"name": "f", "type": "float"}, {"name": "d", "type": "double"},
        {"name": "fs", "type": {"type": "array", "items": "float"}},
        {"name": "ds", "type": {"type": "map", "values": "double"}},
        {"name": "either", "type": ["float", "double", "null"]}]}, False),

    "int and long extremes": ({"type": "record", "name": "In", "fields": [
        {"name": "i", "type": "int"}, {"name": "l", "type": "long"},
        {"name": "is", "type": {"type": "array", "items": "int"}},
        {"name": "ls", "type": {"type": "map", "values": "long"}},
        {"name": "either", "type": ["int", "long"]}]}, False),

    "top-level union": (["null", "long", {"type": "record", "name": "T", "fields": [
        {"name": "s", "type": "string"}]}], False),

    "top-level array of maps": ({"type": "array", "items": {"type": "map", "values": "float"}}, False),
}
