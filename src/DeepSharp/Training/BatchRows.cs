using DeepSharp.Data;

namespace DeepSharp.Training;

/// <summary>Rows of a batch as a batch (views, no copies): the chunks and shards of data-parallel training.</summary>
internal static class BatchRows
{
    /// <summary>Samples [start, start + count) of every input, target and weight tensor of <paramref name="batch"/>.</summary>
    public static Batch Slice(Batch batch, int start, int count)
    {
        if (batch.InputCount == 1 && batch.TargetCount == 1)
            return new Batch(batch.X.SliceRows(start, count), batch.Y.SliceRows(start, count), batch.SampleWeight?.SliceRows(start, count));
        var inputs = batch.Inputs.Select(x => x.SliceRows(start, count)).ToArray();
        var targets = batch.Targets.Select(t => t?.SliceRows(start, count)).ToArray();
        var weights = Enumerable.Range(0, batch.TargetCount).Select(o => batch.SampleWeightOf(o)?.SliceRows(start, count)).ToArray();
        return Batch.FromLists(inputs, targets, weights);
    }
}
