using DeepSharp.Tensors;

namespace DeepSharp.Autograd;

/// <summary>Base of the recorded backward rules: holds the inputs and wires the output.</summary>
internal abstract class OpNode : IGradFunction
{
    private readonly Tensor[] _inputs;

    protected OpNode(params Tensor[] inputs) => _inputs = inputs;

    public abstract string Name { get; }
    public IReadOnlyList<Tensor> Inputs => _inputs;

    public abstract void Backward(Tensor output, Tensor outputGrad);

    /// <summary>Whether an op on these inputs must record a node.</summary>
    public static bool Needed(Tensor a) => !NoGrad.IsActive && a.RequiresGrad;
    public static bool Needed(Tensor a, Tensor b) => !NoGrad.IsActive && (a.RequiresGrad || b.RequiresGrad);
    public static bool Needed(Tensor a, Tensor b, Tensor? c) => !NoGrad.IsActive && (a.RequiresGrad || b.RequiresGrad || c?.RequiresGrad == true);

    /// <summary>Attaches this node to <paramref name="output"/> and returns it.</summary>
    public Tensor Attach(Tensor output)
    {
        output.GradFn = this;
        output.RequiresGrad = true;
        return output;
    }

    /// <summary>The gradient buffer of input <paramref name="i"/>, or null if it needs none.</summary>
    protected Tensor? GradOf(int i) => _inputs[i].RequiresGrad ? Backprop.GradOf(_inputs[i]) : null;
}
