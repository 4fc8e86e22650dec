using System.Text.Json.Nodes;
using DeepSharp.Nn;
using DeepSharp.Nn.Layers;
using DeepSharp.Serialization;
using DeepSharp.Tensors;

namespace DeepSharp.Training;

/// <summary>
/// A plain stack of layers, each feeding the next (Keras's Sequential). Masks travel with the
/// outputs: each layer gets the previous layer's output mask (see <see cref="Layer.SupportsMasking"/>).
/// </summary>
public sealed class Sequential : Model
{
    private readonly List<Layer> _layers = [];
    private Shape? _input; // the shape an InputLayer gave before the first layer (Keras's keras.Input in a Sequential)

    /// <summary>A stack of <paramref name="layers"/> named "sequential", as if each were passed to <see cref="Add"/> in order.</summary>
    /// <exception cref="ArgumentException">A layer appears twice, or two layers share a name.</exception>
    /// <exception cref="ShapeMismatchException">The first layer has an input shape and a later layer does not accept its input.</exception>
    public Sequential(params Layer[] layers) : this(layers, null) { }

    /// <summary>A stack of <paramref name="layers"/>, as if each were passed to <see cref="Add"/> in order.</summary>
    /// <param name="layers">The layers, first to last.</param>
    /// <param name="name">The model's name; null: "sequential".</param>
    /// <exception cref="ArgumentException">A layer appears twice, or two layers share a name.</exception>
    /// <exception cref="ShapeMismatchException">The first layer has an input shape and a later layer does not accept its input.</exception>
    public Sequential(IEnumerable<Layer> layers, string? name = null) : base(name ?? "sequential")
    {
        foreach (var layer in layers) Add(layer);
    }

    /// <summary>The layers in the order they run.</summary>
    public override IReadOnlyList<Layer> Layers => _layers;

    /// <summary>Keras's Sequential config: name, layers (class_name and config each) and build_input_shape once built.</summary>
    public override JsonObject GetConfig()
    {
        var top = ModelConfig.ToJson("Sequential", Name, _layers, _layers.Count > 0 ? _layers[0].BuiltInputShape : null);
        var config = (JsonObject)top["config"]!;
        top.Remove("config");
        return config;
    }

    /// <summary>
    /// Appends a layer; an unnamed one gets a unique Keras-style name (dense, dense_1, ...). An <see cref="Nn.Layers.InputLayer"/>
    /// first (Keras 3's <c>Sequential([keras.Input(shape), ...])</c>) gives the model its input shape and, as in Keras, is
    /// not one of its layers.
    /// </summary>
    /// <exception cref="ArgumentException">
    /// The layer is already in the model or its name is taken, or it is an InputLayer after other layers, or the first
    /// layer's own input shape differs from the InputLayer's.
    /// </exception>
    public void Add(Layer layer)
    {
        ArgumentNullException.ThrowIfNull(layer);
        if (layer is Nn.Layers.InputLayer input)
        {
            if (_layers.Count > 0 || _input is not null)
                throw new ArgumentException($"Model '{Name}': an InputLayer ('{input.Name}') can only come first in a Sequential, as Keras's keras.Input; " +
                    "give the first layer its inputShape instead.");
            _input = input.Shape;
            return;
        }
        if (_layers.Count == 0 && _input is { } given && layer.InputShape is { } own && own != given)
            throw new ArgumentException($"Model '{Name}': the InputLayer gives the input shape {given}, but layer '{layer.Name}' says {own}.");
        if (_layers.Contains(layer)) throw new ArgumentException($"Layer '{layer.Name}' is already in this model.");
        if (!layer.HasExplicitName) layer.Name = UniqueName(layer.DefaultNamePrefix);
        else if (_layers.Any(l => l.Name == layer.Name))
            throw new ArgumentException($"Model '{Name}' already has a layer named '{layer.Name}'.");
        _layers.Add(layer);
        if (_layers.Count == 1 && (layer.InputShape ?? _input) is { } shape) Build(shape);
        else if (_layers.Count > 1 && _layers[^2].IsBuilt) BuildFrom(_layers.Count - 1);
    }

    /// <summary>
    /// Removes and returns the last layer (Keras's <c>Sequential.pop()</c>); the others keep their
    /// weights, so a trained model's head can be replaced: <c>model.Pop(); model.Add(new Dense(3));</c>.
    /// </summary>
    /// <exception cref="InvalidOperationException">The model has no layers.</exception>
    public Layer Pop()
    {
        if (_layers.Count == 0) throw new InvalidOperationException($"Model '{Name}' has no layers to pop.");
        var last = _layers[^1];
        _layers.RemoveAt(_layers.Count - 1);
        return last;
    }

    /// <summary>Builds each layer in turn, from the per-sample <paramref name="inputShape"/> (batch axis excluded).</summary>
    /// <exception cref="InvalidOperationException">The model has no layers.</exception>
    /// <exception cref="ShapeMismatchException">A layer does not accept the shape the previous one outputs.</exception>
    public override void Build(Shape inputShape)
    {
        if (_layers.Count == 0) throw new InvalidOperationException($"Model '{Name}' has no layers to build.");
        _layers[0].Build(inputShape);
        BuildFrom(1);
    }

    /// <summary>Runs the batch <paramref name="x"/> through every layer in order, handing each its predecessor's mask.</summary>
    /// <param name="x">A batch, batch axis first.</param>
    /// <param name="training">True for training behaviour (Dropout active, BatchNormalization on batch statistics); false for inference.</param>
    /// <exception cref="InvalidOperationException">The model has no layers.</exception>
    public override Tensor Call(Tensor x, bool training = false) => CallWithMask(x, training).Output;

    internal override (Tensor Output, Tensor? Mask) CallWithMask(Tensor x, bool training)
    {
        if (_layers.Count == 0) throw new InvalidOperationException($"Model '{Name}' has no layers.");
        Tensor? mask = null;
        for (int i = 0; i < _layers.Count; i++)
        {
            // Training: a Conv2D and the MaxPooling2D after it in one pass that never writes the convolution's output.
            if (training && mask is null && i + 1 < _layers.Count && _layers[i] is Conv2D conv && _layers[i + 1] is MaxPooling2D pool
                && conv.TryForwardPooled(x, pool) is { } pooled)
            {
                x = pooled;
                i++;
                continue;
            }
            (x, mask) = _layers[i].CallMasked(x, mask, training);
        }
        return (x, mask);
    }

    internal override Tensor StepLayers(Tensor x, KvCache cache)
    {
        foreach (var layer in _layers) x = Stepping.Step(layer, [x], CallArguments.None, cache);
        return x;
    }

    internal override bool CanStep() => _layers.Count > 0 && _layers.All(l => Stepping.Refusal(l, 1, CallArguments.None, selfInput: false) is null);

    internal override IReadOnlyList<Shape> LayerOutputShapes()
    {
        var shapes = new List<Shape>();
        if (!IsBuilt) return shapes;
        var shape = _layers[0].BuiltInputShape!.Value;
        foreach (var layer in _layers)
        {
            shape = layer.ComputeOutputShape(shape);
            shapes.Add(shape);
        }
        return shapes;
    }

    private void BuildFrom(int index)
    {
        var shape = _layers[index - 1].ComputeOutputShape(_layers[index - 1].BuiltInputShape!.Value);
        for (int i = index; i < _layers.Count; i++)
        {
            _layers[i].Build(shape);
            shape = _layers[i].ComputeOutputShape(shape);
        }
    }

    private string UniqueName(string prefix)
    {
        if (_layers.All(l => l.Name != prefix)) return prefix;
        for (int i = 1; ; i++)
        {
            string candidate = $"{prefix}_{i}";
            if (_layers.All(l => l.Name != candidate)) return candidate;
        }
    }
}
