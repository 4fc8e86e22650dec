using DeepSharp.Autograd;
using DeepSharp.Data;
using DeepSharp.Tensors;
using DeepSharp.Training.Callbacks;

namespace DeepSharp.Training;

/// <summary>Validation during a data-parallel Fit, sharded over the ranks.</summary>
internal sealed partial class Trainer
{
    /// <summary>
    /// Whether evaluation can be sharded: inside a data-parallel Fit, with every metric's totals
    /// readable (a metric without them, such as AUC, needs every batch on every rank).
    /// </summary>
    private bool CanShardEvaluation()
    {
        if (_parallel is null) return false;
        foreach (var c in _compiled)
            if (c.Metric.GetState() is null) return false;
        return true;
    }

    /// <summary>
    /// <see cref="Evaluate"/> with batch k evaluated by rank k mod W: each batch's loss, size and metric
    /// totals are all-gathered and added in batch order, so the figures are the same on every rank and
    /// for any number of ranks.
    /// </summary>
    private Dictionary<string, double> ParallelEvaluate(DataLoader data, int verbose, CancellationToken cancellationToken)
    {
        var comm = _parallel!.Communicator;
        ResetMetrics();
        int totals = 0;
        foreach (var c in _compiled) totals += c.Metric.GetState()!.Length;
        int entry = 2 + totals; // per batch: its mean loss, its samples, then every metric's totals
        var mine = new List<double>();
        int batches = 0;
        using (NoGrad.Scope())
        {
            using var pass = data.Pass().GetEnumerator();
            while (true)
            {
                cancellationToken.ThrowIfCancellationRequested();
                using var scope = Tensor.Scope();
                if (!pass.MoveNext()) break;
                if (batches++ % comm.Size != comm.Rank) continue;
                var loss = new RunningMean();
                ResetMetrics();
                EvaluateStep(pass.Current, loss, "Evaluate");
                mine.Add(loss.Value);
                mine.Add(pass.Current.Size);
                foreach (var c in _compiled) mine.AddRange(c.Metric.GetState()!);
            }
        }
        // Rank r's k-th batch is batch k·W + r; every rank sends a slot for as many batches as rank 0 has.
        int slots = (batches + comm.Size - 1) / comm.Size;
        var send = new double[slots * entry];
        mine.CopyTo(send);
        var all = new double[send.Length * comm.Size];
        comm.Allgather<double>(send, all);

        var lossMean = new RunningMean();
        var sums = new double[totals];
        for (int k = 0; k < batches; k++)
        {
            int at = (k % comm.Size) * send.Length + (k / comm.Size) * entry;
            lossMean.Add(all[at], (int)all[at + 1]);
            for (int i = 0; i < totals; i++) sums[i] += all[at + 2 + i];
        }
        int offset = 0;
        foreach (var c in _compiled)
        {
            int length = c.Metric.GetState()!.Length;
            c.Metric.SetState(sums.AsSpan(offset, length));
            offset += length;
        }
        var result = CurrentLogs(lossMean.Value);
        if (verbose > 0) Console.WriteLine(ProgressLogger.FormatLogs(result).TrimStart(' ', '-'));
        return result;
    }
}
