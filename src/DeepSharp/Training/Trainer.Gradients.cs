using DeepSharp.Autograd;
using DeepSharp.Nn;
using DeepSharp.Tensors;

namespace DeepSharp.Training;

internal sealed partial class Trainer
{
    private GradientRelay? _relay;

    /// <summary>
    /// Backward from the step's loss. Without <see cref="GradientHooks"/> it is plain
    /// <c>loss.Backward()</c>; with them, autograd reports each leaf whose gradient is final and the
    /// relay turns trainable parameters among them into <see cref="IGradientHook.GradientReady"/>
    /// calls, followed by one <see cref="IGradientHook.GradientsReady"/>.
    /// </summary>
    private void Backward(Tensor loss, Parameter[] trainable)
    {
        if (GradientHooks.Count == 0)
        {
            loss.Backward();
            return;
        }
        var relay = _relay is { } r && r.Trainable == trainable ? r : _relay = new GradientRelay(trainable, GradientHooks);
        loss.Backward(null, relay);
        for (int i = 0; i < GradientHooks.Count; i++) GradientHooks[i].GradientsReady(trainable);
    }

    /// <summary>From autograd's leaves to the trainable parameters they are, by reference (no allocation per call).</summary>
    private sealed class GradientRelay : ILeafGradientListener
    {
        private readonly Dictionary<Tensor, int> _index = new(ReferenceEqualityComparer.Instance);
        private readonly List<IGradientHook> _hooks;

        public GradientRelay(Parameter[] trainable, List<IGradientHook> hooks)
        {
            (Trainable, _hooks) = (trainable, hooks);
            for (int i = 0; i < trainable.Length; i++) _index[trainable[i].Value] = i;
        }

        public Parameter[] Trainable { get; }

        public void LeafGradientReady(Tensor leaf)
        {
            if (!_index.TryGetValue(leaf, out int i)) return; // an input that requires grad, not a weight
            for (int h = 0; h < _hooks.Count; h++) _hooks[h].GradientReady(i, Trainable[i]);
        }
    }
}
