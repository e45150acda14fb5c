namespace Unlearning.Storage.Parquet;

/// <summary>
/// Turns a file's schema elements (depth-first, root first) into leaf columns of the supported
/// subset: flat primitives, and LIST&lt;int32&gt; in the three-level form (optional or required group
/// annotated LIST / repeated group / element, the element required or optional).
/// </summary>
internal static class SchemaReader
{
    public static Leaf[] Leaves(List<SchemaElement> schema)
    {
        if (schema.Count == 0)
        {
            throw new FormatException("the schema is empty");
        }

        int children = schema[0].NumChildren ?? 0;
        var leaves = new List<Leaf>();
        int i = 1;
        for (int c = 0; c < children; c++)
        {
            if (i >= schema.Count)
            {
                throw new FormatException($"the root claims {children} children, the schema holds {schema.Count - 1} elements");
            }

            var e = schema[i];
            if (e.Repetition is not (Repetition.Required or Repetition.Optional))
            {
                throw new FormatException($"column {e.Name}: repetition {e.Repetition?.ToString() ?? "missing"} (REQUIRED or OPTIONAL expected)");
            }

            bool optional = e.Repetition == Repetition.Optional;
            if ((e.NumChildren ?? 0) == 0)
            {
                var type = LeafType(e);
                leaves.Add(new Leaf(new ColumnSpec(e.Name, type, optional), [e.Name], e.Type!.Value, optional ? 1 : 0, 0, false, 0));
                i++;
                continue;
            }

            // LIST: group (LIST) -> repeated group "list" (1 child) -> element INT32.
            bool isList = e.ConvertedType == (int)ConvertedType.List || e.Logical?.UnionId == LogicalType.ListId;
            if (!isList || e.NumChildren != 1 || i + 2 >= schema.Count)
            {
                throw new FormatException($"column {e.Name}: a group other than a LIST of int32");
            }

            var middle = schema[i + 1];
            var element = schema[i + 2];
            if (middle.Repetition != Repetition.Repeated || middle.NumChildren != 1 || (element.NumChildren ?? 0) != 0)
            {
                throw new FormatException($"column {e.Name}: a LIST not in the three-level form (group / repeated group / element)");
            }

            if (element.Repetition is not (Repetition.Required or Repetition.Optional) || LeafType(element) != ColumnType.Int32)
            {
                throw new FormatException($"column {e.Name}: list elements of a type other than int32");
            }

            bool elementOptional = element.Repetition == Repetition.Optional;
            int empty = optional ? 1 : 0;
            int maxDef = empty + 1 + (elementOptional ? 1 : 0);
            leaves.Add(new Leaf(new ColumnSpec(e.Name, ColumnType.Int32List, optional), [e.Name, middle.Name, element.Name], PhysicalType.Int32, maxDef, 1, elementOptional, empty));
            i += 3;
        }

        if (i != schema.Count)
        {
            throw new FormatException($"{schema.Count - i} schema elements follow the root's {children} children");
        }

        return [.. leaves];
    }

    private static ColumnType LeafType(SchemaElement e)
    {
        int? ct = e.ConvertedType;
        var lt = e.Logical;
        string name = e.Name;
        switch (e.Type)
        {
            case PhysicalType.Boolean:
                return ColumnType.Boolean;
            case PhysicalType.Int32 when ct is null or (int)ConvertedType.Int32 && (lt is null || lt.UnionId == LogicalType.IntegerId):
                return ColumnType.Int32;
            case PhysicalType.Int64 when ct == (int)ConvertedType.TimestampMicros || (lt?.UnionId == LogicalType.TimestampId && lt.TimestampUnit == LogicalType.Micros):
                return ColumnType.Timestamp;
            case PhysicalType.Int64 when lt?.UnionId == LogicalType.TimestampId:
                throw new FormatException($"column {name}: timestamps in a unit other than microseconds");
            case PhysicalType.Int64 when ct is null or (int)ConvertedType.Int64 && (lt is null || lt.UnionId == LogicalType.IntegerId):
                return ColumnType.Int64;
            case PhysicalType.Float when ct is null:
                return ColumnType.Float;
            case PhysicalType.Double when ct is null:
                return ColumnType.Double;
            case PhysicalType.ByteArray when ct == (int)ConvertedType.Utf8 || lt?.UnionId == LogicalType.StringId:
                return ColumnType.String;
            default:
                throw new FormatException($"column {name}: type {e.Type?.ToString() ?? "missing"}{(ct is null ? "" : $" (converted type {ct})")} is not supported");
        }
    }
}
