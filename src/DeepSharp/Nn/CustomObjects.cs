using System.Text.Json.Nodes;
using DeepSharp.Nn.Constraints;
using DeepSharp.Nn.Regularizers;

namespace DeepSharp.Nn;

/// <summary>
/// Layer types, activations, regularizers, constraints, losses and metrics of your own that one load may create, as Keras's <c>custom_objects</c>
/// and <c>custom_object_scope</c>: pass them to <c>Model.Load(path, customObjects)</c>, or open a
/// <see cref="Scope"/> around any code that reads configs (<c>Functional.FromConfig</c>,
/// <see cref="LayerRegistry.Create"/>). For a type every load of the program needs, register it once
/// instead (<see cref="LayerRegistry.Register"/>, <see cref="Activation.Register"/>,
/// <see cref="RegularizerRegistry.Register"/>, <see cref="ConstraintRegistry.Register"/>).
/// <code>
/// var custom = new CustomObjects().AddLayer("ScaleShift", ScaleShift.FromConfig);
/// var model = Model.Load("model.safetensors", custom);
/// </code>
/// Losses and metrics of a model file's compile config are added with <c>AddLoss</c> and <c>AddMetric</c>
/// (extension methods in <c>DeepSharp.Training</c>, since layers know nothing of losses).
/// A file can still create only the types listed here, registered, or built in: nothing is looked up
/// by reflection from a name the file holds.
/// </summary>
public sealed class CustomObjects
{
    private static readonly AsyncLocal<Frame?> s_current = new();

    private readonly Dictionary<string, Func<JsonObject, Layer>> _layers = new(StringComparer.Ordinal);
    private readonly Dictionary<string, Activation> _activations = new(StringComparer.Ordinal);
    private readonly Dictionary<string, Func<DeepSharp.Tensors.Tensor, DeepSharp.Tensors.Tensor>> _functions = new(StringComparer.Ordinal);
    private readonly Dictionary<string, Func<JsonObject, Regularizer>> _regularizers = new(StringComparer.Ordinal);
    private readonly Dictionary<string, Func<JsonObject, Constraint>> _constraints = new(StringComparer.Ordinal);
    private readonly Dictionary<(string Kind, string Name), Func<JsonObject, object>> _compileObjects = [];

    /// <summary>The layer type names this set holds.</summary>
    public IReadOnlyCollection<string> LayerTypes => _layers.Keys;

    /// <summary>The Lambda function names this set holds.</summary>
    public IReadOnlyCollection<string> FunctionNames => _functions.Keys;

    /// <summary>The activation names this set holds.</summary>
    public IReadOnlyCollection<string> ActivationNames => _activations.Keys;

    /// <summary>The regularizer class names this set holds.</summary>
    public IReadOnlyCollection<string> RegularizerTypes => _regularizers.Keys;

    /// <summary>The constraint class names this set holds.</summary>
    public IReadOnlyCollection<string> ConstraintTypes => _constraints.Keys;

    /// <summary>The loss class names this set holds (added with <c>AddLoss</c>).</summary>
    public IReadOnlyCollection<string> LossTypes => CompileObjectNames("loss");

    /// <summary>The metric class names this set holds (added with <c>AddMetric</c>).</summary>
    public IReadOnlyCollection<string> MetricTypes => CompileObjectNames("metric");

    private string[] CompileObjectNames(string kind) => [.. _compileObjects.Keys.Where(k => k.Kind == kind).Select(k => k.Name)];

    /// <summary>
    /// Adds a factory of a compile config's object (<paramref name="kind"/> "loss" or "metric"; Training's AddLoss and AddMetric
    /// give them their types, which this folder may not name).
    /// </summary>
    /// <exception cref="ArgumentException">The name is empty, not printable, or already in this set for <paramref name="kind"/>.</exception>
    internal void AddCompileObject(string kind, string className, Func<JsonObject, object> fromConfig)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(className);
        ArgumentNullException.ThrowIfNull(fromConfig);
        if (className.Length > LayerConfig.MaxString || Naming.TextProblem(className) is not null)
            throw new ArgumentException($"A {kind} class name must be printable and at most {LayerConfig.MaxString} characters; got '{TerminalText.Escape(className)}'.", nameof(className));
        if (!_compileObjects.TryAdd((kind, className), fromConfig))
            throw new ArgumentException($"CustomObjects already holds a {kind} '{className}'.", nameof(className));
    }

    /// <summary>The factory of a compile config's <paramref name="kind"/> named <paramref name="className"/> from the open scopes, innermost first; null when none has it.</summary>
    internal static Func<JsonObject, object>? FindCompileObject(string kind, string className)
    {
        for (var f = s_current.Value; f is not null; f = f.Outer)
            if (f.Objects._compileObjects.TryGetValue((kind, className), out var factory)) return factory;
        return null;
    }

    /// <summary>
    /// Adds a layer type: configs whose class_name is <paramref name="typeName"/> (the layer's
    /// <see cref="Layer.TypeName"/>) are built by <paramref name="fromConfig"/>, which reads what the
    /// layer's <see cref="Layer.GetConfig"/> wrote. Returns this set, to chain calls.
    /// </summary>
    /// <exception cref="ArgumentException">The name is empty, not printable, a built-in layer type, or already in this set.</exception>
    public CustomObjects AddLayer(string typeName, Func<JsonObject, Layer> fromConfig)
    {
        LayerRegistry.CheckNewName(typeName, fromConfig);
        if (!_layers.TryAdd(typeName, fromConfig))
            throw new ArgumentException($"CustomObjects already holds a layer type '{typeName}'.", nameof(typeName));
        return this;
    }

    /// <summary>
    /// Adds an activation (made by <see cref="Activation.Custom"/>): layer configs naming it by its
    /// <see cref="Activation.Name"/> get it. Returns this set, to chain calls.
    /// </summary>
    /// <exception cref="ArgumentException">Its name is a built-in activation's, or already in this set.</exception>
    public CustomObjects AddActivation(Activation activation)
    {
        ArgumentNullException.ThrowIfNull(activation);
        Activation.CheckNewName(activation.Name);
        if (!_activations.TryAdd(activation.Name, activation))
            throw new ArgumentException($"CustomObjects already holds an activation '{activation.Name}'.", nameof(activation));
        return this;
    }

    /// <summary>
    /// Adds a function for <see cref="Layers.Lambda"/> layers: a config whose Lambda names
    /// <paramref name="functionName"/> applies <paramref name="function"/> (Keras's <c>custom_objects</c>
    /// holding a function). Returns this set, to chain calls.
    /// </summary>
    /// <exception cref="ArgumentException">The name is empty, not printable, or already in this set.</exception>
    public CustomObjects AddFunction(string functionName, Func<DeepSharp.Tensors.Tensor, DeepSharp.Tensors.Tensor> function)
    {
        Layers.Lambda.CheckFunctionName(functionName);
        ArgumentNullException.ThrowIfNull(function);
        if (!_functions.TryAdd(functionName, function))
            throw new ArgumentException($"CustomObjects already holds a function '{functionName}'.", nameof(functionName));
        return this;
    }

    /// <summary>
    /// Adds a regularizer class: configs whose class_name is <paramref name="className"/> (the
    /// regularizer's <see cref="Regularizer.ClassName"/>) are made by <paramref name="fromConfig"/>,
    /// which reads what its <see cref="Regularizer.GetConfig"/> wrote. Returns this set, to chain calls.
    /// </summary>
    /// <exception cref="ArgumentException">The name is empty, not printable, a built-in regularizer's, or already in this set.</exception>
    public CustomObjects AddRegularizer(string className, Func<JsonObject, Regularizer> fromConfig)
    {
        RegularizerRegistry.Table.CheckNewName(className, fromConfig);
        if (!_regularizers.TryAdd(className, fromConfig))
            throw new ArgumentException($"CustomObjects already holds a regularizer '{className}'.", nameof(className));
        return this;
    }

    /// <summary>
    /// Adds a constraint class: configs whose class_name is <paramref name="className"/> (the
    /// constraint's <see cref="Constraint.ClassName"/>) are made by <paramref name="fromConfig"/>,
    /// which reads what its <see cref="Constraint.GetConfig"/> wrote. Returns this set, to chain calls.
    /// </summary>
    /// <exception cref="ArgumentException">The name is empty, not printable, a built-in constraint's, or already in this set.</exception>
    public CustomObjects AddConstraint(string className, Func<JsonObject, Constraint> fromConfig)
    {
        ConstraintRegistry.Table.CheckNewName(className, fromConfig);
        if (!_constraints.TryAdd(className, fromConfig))
            throw new ArgumentException($"CustomObjects already holds a constraint '{className}'.", nameof(className));
        return this;
    }

    /// <summary>
    /// Makes this set visible to config reading on this thread and the async flow it starts, until
    /// the returned scope is disposed (Keras's <c>custom_object_scope</c>). Scopes nest; the innermost
    /// is searched first. Dispose them in the reverse order of opening (a <c>using</c> does).
    /// </summary>
    public IDisposable Scope()
    {
        var frame = new Frame(this, s_current.Value);
        s_current.Value = frame;
        return frame;
    }

    /// <summary>The factory for <paramref name="typeName"/> from the open scopes, innermost first; null when none has it.</summary>
    internal static Func<JsonObject, Layer>? FindLayer(string typeName)
    {
        for (var f = s_current.Value; f is not null; f = f.Outer)
            if (f.Objects._layers.TryGetValue(typeName, out var factory)) return factory;
        return null;
    }

    /// <summary>The activation named <paramref name="name"/> from the open scopes, innermost first; null when none has it.</summary>
    internal static Activation? FindActivation(string name)
    {
        for (var f = s_current.Value; f is not null; f = f.Outer)
            if (f.Objects._activations.TryGetValue(name, out var activation)) return activation;
        return null;
    }

    /// <summary>The Lambda function named <paramref name="functionName"/> from the open scopes, innermost first; null when none has it.</summary>
    internal static Func<DeepSharp.Tensors.Tensor, DeepSharp.Tensors.Tensor>? FindFunction(string functionName)
    {
        for (var f = s_current.Value; f is not null; f = f.Outer)
            if (f.Objects._functions.TryGetValue(functionName, out var function)) return function;
        return null;
    }

    /// <summary>The regularizer factory for <paramref name="className"/> from the open scopes, innermost first; null when none has it.</summary>
    internal static Func<JsonObject, Regularizer>? FindRegularizer(string className)
    {
        for (var f = s_current.Value; f is not null; f = f.Outer)
            if (f.Objects._regularizers.TryGetValue(className, out var factory)) return factory;
        return null;
    }

    /// <summary>The constraint factory for <paramref name="className"/> from the open scopes, innermost first; null when none has it.</summary>
    internal static Func<JsonObject, Constraint>? FindConstraint(string className)
    {
        for (var f = s_current.Value; f is not null; f = f.Outer)
            if (f.Objects._constraints.TryGetValue(className, out var factory)) return factory;
        return null;
    }

    private sealed class Frame(CustomObjects objects, Frame? outer) : IDisposable
    {
        private bool _disposed;

        public CustomObjects Objects { get; } = objects;
        public Frame? Outer { get; } = outer;

        public void Dispose()
        {
            if (_disposed) return;
            if (!ReferenceEquals(s_current.Value, this))
                throw new InvalidOperationException("CustomObjects scopes must be disposed in the reverse order of opening (use `using`).");
            _disposed = true;
            s_current.Value = Outer;
        }
    }
}
