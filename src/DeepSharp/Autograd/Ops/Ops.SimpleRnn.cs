using DeepSharp.Kernels.Cpu;
using DeepSharp.Tensors;
using TensorPrimitives = System.Numerics.Tensors.TensorPrimitives;

namespace DeepSharp.Autograd;

public static partial class Ops
{
    /// <summary>
    /// A whole SimpleRNN layer over a sequence (Keras's SimpleRNN): h = act(x·W + h̃·U + b) with
    /// x (B, T, F), kernel (F, U), recurrent kernel (U, U), bias (U) or null. Returns (B, steps, U):
    /// the outputs (every step, or the last) followed by the final state when asked, as <see cref="Lstm"/>.
    /// </summary>
    internal static Tensor SimpleRnn(Tensor x, Tensor kernel, Tensor recurrentKernel, Tensor? bias, RecurrentArgs args)
    {
        var plan = RecurrentPlan.Create("SimpleRNN", x, kernel, recurrentKernel, gates: 1, stateCount: 1, args);
        int batch = plan.Batch, time = plan.Time, units = plan.Units, block = plan.StateBlock;
        plan.CheckBias(bias, new Shape(units));
        // h[s + 1] starts as step s's x·W + b; the step adds h̃·U and activates it in place.
        var h = Tensor.Temp(new Shape(time + 1, batch, units));
        var hs = h.Span;
        plan.Project(hs[block..], bias is null ? default : bias.Span);
        plan.InitialState(0, hs);
        for (int s = 0; s < time; s++)
        {
            var hPrev = hs.Slice(s * block, block);
            var hNext = hs.Slice((s + 1) * block, block);
            plan.RecurrentProduct(plan.RecurrentInput(s, hPrev), hNext, accumulate: true);
            CellActivationKernel.Apply(args.Activation, hNext);
            plan.CopySkippedRows(s, hPrev, hNext, units);
        }
        plan.ReleasePackedWeights();
        var y = plan.Pack(h, null);
        return plan.NeedsGrad(bias) ? new SimpleRnnNode(plan, bias, h).Attach(y) : y;
    }

    private sealed class SimpleRnnNode(RecurrentPlan plan, Tensor? bias, Tensor h) : OpNode(plan.NodeInputs(bias))
    {
        public override string Name => "SimpleRNN";

        public override void Backward(Tensor output, Tensor dy)
        {
            int batch = plan.Batch, time = plan.Time, units = plan.Units, block = plan.StateBlock;
            var dh = Tensor.Temp(new Shape(batch, units));
            var dhPrev = Tensor.Temp(new Shape(batch, units));
            var dPre = Tensor.Temp(new Shape(time, batch, units));  // ∂L/∂(x·W + h̃·U + b) per step
            plan.StateGradient(0, dy, dh.Span);
            var hs = h.Span;
            for (int s = time - 1; s >= 0; s--)
            {
                plan.AddOutputGradient(s, dy, dh.Span);
                var dStep = dPre.Span.Slice(s * block, block);
                dh.Span.CopyTo(dStep);
                CellActivationKernel.MultiplyDerivative(plan.Args.Activation, hs.Slice((s + 1) * block, block), dStep);
                plan.ClearSkippedRows(s, dStep, units);
                plan.RecurrentBackward(dStep, dhPrev.Span, accumulate: false);
                plan.CopySkippedRows(s, dh.Span, dhPrev.Span, units);
                (dh, dhPrev) = (dhPrev, dh);
            }
            plan.ReleasePackedWeights();
            int h0 = plan.InitialStateInput(0, bias);
            if (h0 >= 0 && GradOf(h0) is { } dh0) TensorPrimitives.Add(dh0.Span, dh.Span, dh0.Span);
            plan.RecurrentKernelGradient(dPre.Span, h, GradOf(2));
            var db = bias is not null && GradOf(3) is { } g ? g.Span : default;
            plan.InputGradients(dPre.Span, GradOf(0), GradOf(1), db);
        }
    }
}
