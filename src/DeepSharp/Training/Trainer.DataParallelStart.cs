using System.Security.Cryptography;
using System.Text;
using DeepSharp.Autograd;
using DeepSharp.Data;
using DeepSharp.Distributed;
using DeepSharp.Optimizers;
using DeepSharp.Tensors;

namespace DeepSharp.Training;

/// <summary>The start of a data-parallel Fit: every rank made to agree with rank 0.</summary>
internal sealed partial class Trainer
{
    /// <summary>
    /// Builds the model if the first batch has not yet, checks that every rank has the same model
    /// (one all-gather of a fingerprint: parameter count, values, SHA-256 of paths, shapes and the
    /// optimizer), then broadcasts from rank 0 the weights, the optimizer state, the random
    /// generators (global, shuffling, layers') and the data order, so the ranks agree whatever seed
    /// each started from.
    /// </summary>
    /// <exception cref="DeepSharpException">The ranks' models or settings differ.</exception>
    private void SynchronizeRanks(DataLoader train, DistributedStrategy strategy)
    {
        var comm = strategy.Communicator;
        BuildForDataParallel(train);
        var parameters = _model.Parameters.ToArray();
        var generators = new List<RandomGenerator> { RandomGenerator.Global };
        if (train.Generator is { } shuffle) generators.Add(shuffle);
        generators.AddRange(LayerGenerators());

        // Same model, same settings: a cheap check before any collective whose size depends on them.
        var description = new StringBuilder();
        foreach (var p in parameters) description.Append(p.Path).Append(' ').Append(p.Shape).Append(p.Trainable ? " t;" : " f;");
        description.Append($"|{Optimizer.Name}|generators {generators.Count}|order {train.Order.Length}|chunk {strategy.ChunkSize}|{strategy.Reduction}");
        long values = DataParallelRun.Total(parameters);
        long[] mine = [parameters.Length, values, BitConverter.ToInt64(SHA256.HashData(Encoding.UTF8.GetBytes(description.ToString())))];
        var all = new long[3 * comm.Size];
        comm.Allgather<long>(mine, all);
        for (int r = 1; r < comm.Size; r++)
            if (all[3 * r] != all[0] || all[3 * r + 1] != all[1] || all[3 * r + 2] != all[2])
                throw new DeepSharpException($"Data-parallel training: rank {r}'s model differs from rank 0's: rank 0 has {all[0]} weights holding {all[1]} values, " +
                    $"rank {r} has {all[3 * r]} holding {all[3 * r + 1]}" + (all[3 * r] == all[0] && all[3 * r + 1] == all[1] ? " (names, shapes, optimizer, data or settings differ)" : "") +
                    ". Every rank must run the same build with the same model, data and arguments.");

        var flat = new float[values];
        DataParallelRun.Flatten(parameters, flat, gradients: false);
        comm.Broadcast<float>(flat, 0);
        DataParallelRun.Unflatten(flat, parameters, gradients: false);

        var optimizerBytes = comm.Rank == 0 ? OptimizerStateBytes.Write(Optimizer.GetState()) : [];
        long[] length = [optimizerBytes.Length];
        comm.Broadcast<long>(length, 0);
        if (comm.Rank != 0) optimizerBytes = new byte[length[0]];
        comm.Broadcast<byte>(optimizerBytes, 0);
        if (comm.Rank != 0) Optimizer.SetState(OptimizerStateBytes.Read(optimizerBytes));

        var states = new uint[4 * generators.Count];
        for (int g = 0; g < generators.Count; g++) generators[g].GetState().CopyTo(states, 4 * g);
        comm.Broadcast<uint>(states, 0);
        for (int g = 0; g < generators.Count; g++) generators[g].SetState(states.AsSpan(4 * g, 4));

        if (train.Order.Length > 0)
        {
            var order = train.Order.ToArray();
            comm.Broadcast<int>(order, 0);
            train.RestoreOrder(order);
        }
    }

    /// <summary>
    /// Builds the layers (which otherwise happens in the first step) by running one sample through
    /// the model in inference mode, so their weights exist to be broadcast.
    /// </summary>
    private void BuildForDataParallel(DataLoader train)
    {
        if (_model.IsBuilt) return;
        Batch? sample = null;
        IEnumerator<Batch>? pass = null;
        if (train.Dataset is { Count: > 0 } dataset) sample = dataset.GetBatch([0]);
        else if (train.Dataset is null)
        {
            pass = train.Pass().GetEnumerator();
            if (pass.MoveNext()) sample = pass.Current;
        }
        try
        {
            if (sample is null) return;
            using (NoGrad.Scope())
            using (Tensor.Scope())
            {
                Forward(sample, training: false);
                ForgetOutputs();
            }
        }
        finally
        {
            pass?.Dispose();
        }
    }

    /// <summary>An optimizer state as bytes, to broadcast it.</summary>
    private static class OptimizerStateBytes
    {
        public static byte[] Write(OptimizerState state)
        {
            using var stream = new MemoryStream();
            using (var w = new BinaryWriter(stream, Encoding.UTF8, leaveOpen: true))
            {
                w.Write(state.Optimizer);
                w.Write(state.Iterations);
                w.Write(state.LearningRate);
                w.Write(state.Scalars.Count);
                foreach (var (key, value) in state.Scalars.OrderBy(kv => kv.Key, StringComparer.Ordinal))
                {
                    w.Write(key);
                    w.Write(value);
                }
                w.Write(state.Tensors.Count);
                foreach (var (key, tensor) in state.Tensors.OrderBy(kv => kv.Key, StringComparer.Ordinal))
                {
                    w.Write(key);
                    w.Write(tensor.Rank);
                    for (int d = 0; d < tensor.Rank; d++) w.Write(tensor.Shape[d]);
                    foreach (float v in tensor.Span) w.Write(v);
                }
            }
            return stream.ToArray();
        }

        public static OptimizerState Read(byte[] bytes)
        {
            using var r = new BinaryReader(new MemoryStream(bytes), Encoding.UTF8);
            var state = new OptimizerState { Optimizer = r.ReadString(), Iterations = r.ReadInt64(), LearningRate = r.ReadSingle() };
            for (int n = r.ReadInt32(), i = 0; i < n; i++) state.Scalars[r.ReadString()] = r.ReadDouble();
            for (int n = r.ReadInt32(), i = 0; i < n; i++)
            {
                string key = r.ReadString();
                var dims = new int[r.ReadInt32()];
                for (int d = 0; d < dims.Length; d++) dims[d] = r.ReadInt32();
                var tensor = Tensor.Zeros(new Shape(dims));
                var span = tensor.Span;
                for (int j = 0; j < span.Length; j++) span[j] = r.ReadSingle();
                state.Tensors[key] = tensor;
            }
            return state;
        }
    }
}
