using DeepSharp.Nn;
using DeepSharp.Training;

namespace DeepSharp.Federated;

/// <summary>
/// FedProx's proximal term μ/2 ‖w − w_global‖² as a gradient hook: before each local SGD step it
/// adds μ (w − w_global) to every trainable weight's gradient, the term's gradient at the current weights.
/// </summary>
internal sealed class ProximalTerm : IGradientHook
{
    private readonly Dictionary<Parameter, int> _offsets;
    private readonly float _mu;
    private float[] _anchor = [];

    /// <param name="offsets">Where each parameter starts in the flat weight vector.</param>
    /// <param name="mu">μ.</param>
    public ProximalTerm(Dictionary<Parameter, int> offsets, float mu) => (_offsets, _mu) = (offsets, mu);

    /// <summary>The round's global weights, flat (the hook keeps the array; the trainer does not change it during the round).</summary>
    public void SetAnchor(float[] global) => _anchor = global;

    public void GradientReady(int index, Parameter parameter) { }

    public void GradientsReady(IReadOnlyList<Parameter> trainable)
    {
        for (int p = 0; p < trainable.Count; p++)
        {
            var parameter = trainable[p];
            if (parameter.Value.Grad is not { } grad) continue;
            var g = grad.Span;
            var w = parameter.Value.Span;
            var anchor = _anchor.AsSpan(_offsets[parameter], w.Length);
            for (int i = 0; i < g.Length; i++) g[i] += _mu * (w[i] - anchor[i]);
        }
    }
}
