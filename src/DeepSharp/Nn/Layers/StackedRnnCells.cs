using System.Text.Json.Nodes;
using DeepSharp.Tensors;

namespace DeepSharp.Nn.Layers;

/// <summary>
/// Keras's StackedRNNCells: several cells acting as one — at each step the first cell reads the input,
/// each next cell reads the previous cell's output, and the output is the last cell's. The states are
/// every cell's, flattened in order ([h₁, c₁, h₂, c₂] for two LSTM cells), which is also how
/// <see cref="Rnn"/> returns and takes them. <c>new Rnn([cellA, cellB])</c> makes one. The cells'
/// weights are named after the cells: "rnn/stacked_rnn_cells/lstm_cell_1/kernel".
/// </summary>
public sealed class StackedRnnCells : RnnCell
{
    private readonly RnnCell[] _cells;
    private int[]? _stateSize;

    /// <param name="cells">The cells, first to last; each must not belong to another layer. Unnamed cells are named "lstm_cell", "lstm_cell_1", … in order.</param>
    /// <param name="name">The stack's name; null for "stacked_rnn_cells".</param>
    /// <exception cref="ArgumentException"><paramref name="cells"/> is empty, holds null, or a cell already belongs to a layer.</exception>
    public StackedRnnCells(IReadOnlyList<RnnCell> cells, string? name = null) : base(name)
    {
        ArgumentNullException.ThrowIfNull(cells);
        if (cells.Count == 0) throw new ArgumentException("StackedRNNCells needs at least one cell.", nameof(cells));
        _cells = new RnnCell[cells.Count];
        var names = new HashSet<string>(StringComparer.Ordinal);
        var nextSuffix = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var cell in cells) if (cell is not null && cell.HasExplicitName) names.Add(cell.Name);
        for (int i = 0; i < cells.Count; i++)
        {
            var cell = cells[i] ?? throw new ArgumentException($"StackedRNNCells: cell {i} is null.", nameof(cells));
            if (!cell.HasExplicitName) cell.Name = UniqueName(cell.DefaultNamePrefix, names, nextSuffix);
            _cells[i] = Track(cell);
        }
    }

    /// <inheritdoc/>
    public override string TypeName => "StackedRNNCells";
    /// <inheritdoc/>
    public override string DefaultNamePrefix => "stacked_rnn_cells";

    /// <summary>The cells, first to last.</summary>
    public IReadOnlyList<RnnCell> Cells => _cells;

    /// <summary>Every cell's state sizes, in order.</summary>
    public override IReadOnlyList<int> StateSize => _stateSize ??= [.. _cells.SelectMany(c => c.StateSize)];

    /// <summary>The last cell's output size.</summary>
    public override int OutputSize => _cells[^1].OutputSize;

    /// <inheritdoc/>
    protected override void OnBuild(Shape inputShape)
    {
        if (inputShape.Rank != 1) throw ShapeError("one step (batch, features)", inputShape);
        var shape = inputShape;
        foreach (var cell in _cells)
        {
            cell.Build(shape);
            shape = new Shape(cell.OutputSize);
        }
    }

    /// <summary>Runs the cells in order, each on the previous one's output, each with its own slice of <paramref name="states"/>.</summary>
    protected override CellStep Forward(Tensor inputs, IReadOnlyList<Tensor> states, bool training)
    {
        var next = new List<Tensor>(states.Count);
        int k = 0;
        var x = inputs;
        foreach (var cell in _cells)
        {
            int n = cell.StateSize.Count;
            var own = new Tensor[n];
            for (int j = 0; j < n; j++) own[j] = states[k + j];
            k += n;
            if (!cell.IsBuilt) cell.Build(x.Shape.WithoutBatch());
            var step = cell.Step(x, own, training);
            next.AddRange(step.States);
            x = step.Output;
        }
        return new CellStep(x, next);
    }

    internal override void BeginSequence()
    {
        foreach (var cell in _cells) cell.BeginSequence();
    }

    internal override void EndSequence()
    {
        foreach (var cell in _cells) cell.EndSequence();
    }

    /// <summary>Keras's config: the cells, each as {"class_name", "config"}.</summary>
    public override JsonObject GetConfig()
    {
        var config = base.GetConfig();
        var cells = new JsonArray();
        foreach (var cell in _cells) cells.Add((JsonNode)Rnn.Wrapped(cell));
        config["cells"] = cells;
        return config;
    }

    /// <summary>
    /// The most cells a config's StackedRNNCells (or an RNN's list of cells) may hold: as many as a model config may
    /// hold layers (<c>ModelConfig.MaxLayers</c>); real stacks hold two to eight.
    /// </summary>
    public const int MaxCells = 10_000;

    internal static StackedRnnCells FromConfig(LayerConfig c)
    {
        if (c.Json["cells"] is not JsonArray array || array.Count == 0) throw c.Error("cells", "must be a non-empty list of cells");
        CheckCount(c, "cells", array.Count);
        var cells = new RnnCell[array.Count];
        for (int i = 0; i < cells.Length; i++)
            cells[i] = Rnn.UnwrapCell(c, array[i] as JsonObject, $"cells[{i}]");
        return new StackedRnnCells(cells, c.Name);
    }

    /// <summary>
    /// The first of prefix, prefix_1, prefix_2, … not taken. Each prefix resumes where its last name was found
    /// (names are only ever added), so n unnamed cells cost O(n): searching from prefix_1 every time cost
    /// O(n²), 2·10⁸ names for a config's 20,000 cells.
    /// </summary>
    /// <summary>Refuses a config's list of more than <see cref="MaxCells"/> cells, naming the layer and the key.</summary>
    internal static void CheckCount(LayerConfig c, string key, int count)
    {
        if (count > MaxCells) throw c.Error(key, $"lists {count} cells; DeepSharp reads at most {MaxCells} ({nameof(StackedRnnCells)}.{nameof(MaxCells)})");
    }

    private static string UniqueName(string prefix, HashSet<string> taken, Dictionary<string, int> nextSuffix)
    {
        int i = nextSuffix.GetValueOrDefault(prefix);
        string name = i == 0 ? prefix : $"{prefix}_{i}";
        while (!taken.Add(name)) name = $"{prefix}_{++i}";
        nextSuffix[prefix] = i + 1;
        return name;
    }
}
