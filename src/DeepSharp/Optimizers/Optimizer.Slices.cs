using DeepSharp.Kernels.Cpu;
using DeepSharp.Tensors;

namespace DeepSharp.Optimizers;

// Implementation notes
// --------------------
// A step's updates (weight decay, then the rule) ran one parameter after another on the calling
// thread: the char-GPT's ~0.8 M weights with AdamW took ~1.3 ms of a ~69 ms step on Intel (igpt4's
// profile), one core streaming w, g, m and v while the other idled. An optimizer whose rule is
// elementwise and whose update reads, during a step, only what is fixed before it (the iteration, the
// rate, fields set in BeginStep) implements ISlicedUpdate: its parameters are cut into slices of
// SliceFloats elements (a multiple of every vector width, counted from each parameter's start, so every
// element takes the vector or scalar path it took whole) and the slices are spread over the worker
// pool. An element's update reads and writes that element only, so the bits are those of the serial
// loop at any thread count (OptimizerSliceTests). Fewer serial passes on every CPU, so not gated.

/// <summary>
/// An optimizer whose update is elementwise and reads only state fixed for the step: its parameters'
/// slices may be updated at once, on several threads.
/// </summary>
internal interface ISlicedUpdate
{
    /// <summary>
    /// Updates elements [start, start + weights.Length) of one parameter: <paramref name="weights"/>
    /// and <paramref name="gradient"/> are that slice, <paramref name="slots"/> the parameter's whole slots.
    /// </summary>
    void UpdateSlice(Span<float> weights, ReadOnlySpan<float> gradient, Tensor[] slots, int start);
}

public abstract partial class Optimizer
{
    private SlicedStep? _slicedStep;

    /// <summary>
    /// Decays and updates every parameter of the step: over the worker pool in slices for an
    /// <see cref="ISlicedUpdate"/> optimizer, else one parameter after another.
    /// </summary>
    private void UpdateStepParameters(float decay)
    {
        if (this is ISlicedUpdate sliced && WorkerPool.Shared.ThreadCount > 1)
        {
            var body = _slicedStep ??= new SlicedStep();
            body.Prepare(this, sliced, decay);
            try { body.Run(); }
            finally { body.Release(); }
            return;
        }
        foreach (var (p, grad) in _step)
        {
            // Each weight is decayed just before its update, while it is in cache (one pass over the
            // weights fewer than decaying all first). Both are elementwise and BeginStep reads no weight,
            // so the bits are those of decaying every weight first.
            if (decay != 0f) GradientClipping.DecayWeights(p.Value.Span, decay, StepLearningRate);
            Update(p.Value.Span, grad.Span, SlotsOf(p));
        }
    }

    /// <summary>The step's parameters cut into slices, each decayed and updated by one work item.</summary>
    private sealed class SlicedStep : IParallelBody
    {
        /// <summary>Elements per slice: 64 KB of each stream; a multiple of every vector width.</summary>
        internal const int SliceFloats = 16384;

        private readonly List<(Tensor Weights, Tensor Gradient, Tensor[] Slots)> _parameters = [];
        private readonly List<(int Parameter, int Start, int Count)> _slices = [];
        private ISlicedUpdate? _update;
        private float _decay, _rate;
        private long _elements;

        public void Prepare(Optimizer optimizer, ISlicedUpdate update, float decay)
        {
            (_update, _decay, _rate, _elements) = (update, decay, optimizer.StepLearningRate, 0);
            foreach (var (p, grad) in optimizer._step)
            {
                // Slots are made (or restored) here, on the calling thread; the weights' hand-out is counted
                // here too, so an inference cache stamped on them sees the update.
                var slots = optimizer.SlotsOf(p);
                var weights = p.Value;
                int n = weights.Span.Length, index = _parameters.Count;
                _parameters.Add((weights, grad, slots));
                for (int start = 0; start < n; start += SliceFloats) _slices.Add((index, start, Math.Min(SliceFloats, n - start)));
                _elements += n;
            }
        }

        public void Run() => WorkerPool.Shared.For(_slices.Count, this, _elements);

        public void Release()
        {
            _parameters.Clear();
            _slices.Clear();
            _update = null;
        }

        public void Execute(int index)
        {
            var (j, start, count) = _slices[index];
            var (weights, gradient, slots) = _parameters[j];
            var w = weights.Span.Slice(start, count);
            if (_decay != 0f) GradientClipping.DecayWeights(w, _decay, _rate);
            _update!.UpdateSlice(w, gradient.Span.Slice(start, count), slots, start);
        }
    }
}
