using System.Globalization;
using System.Text;
using DeepSharp.Tensors;

namespace DeepSharp.Training;

/// <summary>Formats Keras's model summary table.</summary>
internal static class ModelSummary
{
    private const int NameWidth = 33, ShapeWidth = 24, ParamWidth = 15, ConnectedWidth = 26;

    public static string Format(Model model)
    {
        var shapes = model.LayerOutputShapes();
        // Graph models add Keras's "Connected to" column, one inbound tensor per line; a call with
        // several outputs (states, attention scores) lists one output shape per line.
        var connections = model.LayerGraph?.Connections();
        var shapeLists = model.LayerGraph?.LayerOutputShapeLists();
        bool wide = connections is not null;
        var sb = new StringBuilder();
        // Names come from files: printed through TerminalText so a name cannot drive the terminal.
        sb.AppendLine($"Model: \"{TerminalText.Escape(model.Name)}\"");
        sb.AppendLine(Rule('┏', '┳', '┓', '━', wide));
        sb.AppendLine(Row("Layer (type)", "Output Shape", "Param #", '┃', wide ? "Connected to" : null));
        sb.AppendLine(Rule('┡', '╇', '┩', '━', wide));
        for (int i = 0; i < model.Layers.Count; i++)
        {
            var layer = model.Layers[i];
            string shape = i < shapes.Count ? shapes[i].ToBatchString() : "?";
            string parameters = layer.IsBuilt ? Count(layer.ParameterCount) : "0 (unbuilt)";
            var inbound = connections?[i] ?? [];
            var more = shapeLists?[i] ?? [];
            sb.AppendLine(Row(TerminalText.Escape($"{layer.Name} ({layer.TypeName})"), shape, parameters, '│', wide ? (inbound.Count == 0 ? "-" : TerminalText.Escape(inbound[0])) : null));
            for (int j = 1; j < Math.Max(inbound.Count, more.Count); j++)
                sb.AppendLine(Row("", j < more.Count ? more[j].ToBatchString() : "", "", '│', wide ? (j < inbound.Count ? TerminalText.Escape(inbound[j]) : "") : null));
            if (i < model.Layers.Count - 1) sb.AppendLine(Rule('├', '┼', '┤', '─', wide));
        }
        sb.AppendLine(Rule('└', '┴', '┘', '─', wide));
        long total = model.Parameters.Sum(p => (long)p.Value.Size);
        long trainable = model.TrainableParameters.Sum(p => (long)p.Value.Size);
        sb.AppendLine($" Total params: {Count(total)} ({Bytes(total * 4)})");
        sb.AppendLine($" Trainable params: {Count(trainable)} ({Bytes(trainable * 4)})");
        sb.Append($" Non-trainable params: {Count(total - trainable)} ({Bytes((total - trainable) * 4)})");
        AppendSparsity(sb, model);
        return sb.ToString();
    }

    /// <summary>For a pruned model (weights with pruning masks), each pruned layer's sparsity: pruned of masked weights.</summary>
    private static void AppendSparsity(StringBuilder sb, Model model)
    {
        bool header = false;
        foreach (var layer in model.Layers)
        {
            long pruned = 0, masked = 0;
            foreach (var p in layer.Parameters)
                if (p.PruningMask is { } mask)
                {
                    masked += mask.Size;
                    foreach (float m in mask.Span) if (m == 0f) pruned++;
                }
            if (masked == 0) continue;
            if (!header) sb.AppendLine().Append(" Sparsity (pruned of prunable weights):");
            header = true;
            sb.AppendLine().Append(CultureInfo.InvariantCulture, $"   {TerminalText.Escape(layer.Name)}: {100.0 * pruned / masked:F2} % ({Count(pruned)} of {Count(masked)})");
        }
    }

    private static string Count(long n) => n.ToString("N0", CultureInfo.InvariantCulture);

    private static string Bytes(long bytes) => bytes switch
    {
        >= 1L << 30 => $"{bytes / (double)(1L << 30):F2} GB",
        >= 1L << 20 => $"{bytes / (double)(1L << 20):F2} MB",
        >= 1L << 10 => $"{bytes / 1024.0:F2} KB",
        _ => $"{bytes:F2} B",
    };

    private static string Row(string name, string shape, string parameters, char bar, string? connected = null) =>
        $"{bar} {Fit(name, NameWidth - 2)} {bar} {Fit(shape, ShapeWidth - 2)} {bar} {parameters.PadLeft(ParamWidth - 2)} {bar}"
        + (connected is null ? "" : $" {Fit(connected, ConnectedWidth - 2)} {bar}");

    private static string Fit(string text, int width) => text.Length > width ? text[..(width - 1)] + "…" : text.PadRight(width);

    private static string Rule(char left, char mid, char right, char fill, bool wide = false) =>
        left + new string(fill, NameWidth) + mid + new string(fill, ShapeWidth) + mid + new string(fill, ParamWidth)
        + (wide ? mid + new string(fill, ConnectedWidth) : "") + right;
}
