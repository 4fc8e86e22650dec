using DeepSharp.Autograd;
using DeepSharp.Bench.Harness;
using DeepSharp.Nn;
using DeepSharp.Nn.Layers;
using DeepSharp.Tensors;

namespace DeepSharp.Bench.Workloads;

/// <summary>
/// (p) with --profile-model chargpt: where bench (g)'s char-GPT training step spends its time — each
/// layer's forward (called eagerly, in the model's order), the loss, clearing the gradients, each
/// backward rule summed over its calls (Linear, Attention, LayerNorm, …), and AdamW — as wall and
/// process CPU time per step. With --threads 1 the CPU times are the work itself; at 2 threads the
/// CPU time also counts the workers' spinning, so wall against CPU shows what ran on one thread.
/// </summary>
internal static class CharGptStepProfile
{
    public const int Steps = 24, WarmUp = 6;

    public static Reply DeepSharp()
    {
        var (layers, loss, optimizer, x, y) = CharGptWorkload.BuildDeepSharpLayers();
        var timer = new StepProfileWorkload.PhaseTimer(byRule: true);
        var trainable = new List<Parameter>();
        for (int step = 0; step < WarmUp + Steps; step++)
        {
            if (step == WarmUp) timer.Reset();
            using var scope = Tensor.Scope();
            var h = timer.Time("fwd.embedding", () => layers.Embedding.Call(x, training: true));
            var tokens = h;
            h = timer.Time("fwd.position+add", () => layers.Add.Call([tokens, layers.Position.Call(tokens, training: true)], training: true));
            for (int b = 0; b < layers.Blocks.Length; b++)
            {
                var input = h;
                var block = layers.Blocks[b];
                h = timer.Time($"fwd.block{b}", () => block.Call(input, training: true));
            }
            var normed = h;
            h = timer.Time("fwd.layer_norm", () => layers.Norm.Call(normed, training: true));
            var features = h;
            var logits = timer.Time("fwd.head", () => layers.Head.Call(features, training: true));
            var value = timer.Time("fwd.loss", () => loss.Compute(y, logits));
            if (trainable.Count == 0)
                foreach (var layer in layers.All)
                    trainable.AddRange(layer.Parameters.Where(p => p.Trainable));
            timer.Time("grad-clear", () =>
            {
                foreach (var p in trainable) p.Value.Grad?.Span.Clear();
                return value;
            });
            Backprop.Timer = timer;
            try { value.Backward(); }
            finally { Backprop.Timer = null; }
            timer.Time("optimizer", () =>
            {
                optimizer.Apply(trainable);
                return value;
            });
        }
        return timer.Reply(Steps);
    }
}
