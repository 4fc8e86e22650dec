using System.Text.Json.Nodes;
using DeepSharp.Nn;
using DeepSharp.Nn.Layers;
using DeepSharp.Serialization;

namespace DeepSharp.Training;

internal sealed partial class LayerGraph
{
    /// <summary>
    /// Keras's functional config: name, layers (class_name, config, name, inbound_nodes with
    /// __keras_tensor__ arguments carrying keras_history [layer, node, tensor]), input_layers and
    /// output_layers. <see cref="Read"/> rebuilds the graph from it.
    /// </summary>
    public JsonObject GetConfig()
    {
        var layers = new JsonArray();
        var calls = CallsByLayer();
        foreach (var layer in _layers)
        {
            var inbound = new JsonArray();
            if (layer is not InputLayer)
                foreach (var node in calls[layer]) inbound.Add((JsonNode)InboundNode(node));
            layers.Add((JsonNode)new JsonObject
            {
                ["class_name"] = layer.TypeName,
                ["config"] = layer.GetConfig(),
                ["name"] = layer.Name,
                ["inbound_nodes"] = inbound,
            });
        }
        return new JsonObject
        {
            ["name"] = _modelName,
            ["trainable"] = true,
            ["layers"] = layers,
            ["input_layers"] = new JsonArray([.. Inputs.Select(History)]),
            ["output_layers"] = new JsonArray([.. Outputs.Select(History)]),
        };
    }

    /// <summary>
    /// Recreates the layers and calls of <see cref="GetConfig"/>'s output (layers come only from
    /// <see cref="LayerRegistry"/>): the model's input and output tensors and its name.
    /// </summary>
    /// <remarks>
    /// Runs in time linear in the config: each call waits for the calls that make the tensors it reads
    /// and for its layer's previous call (node indices follow the listed order, as in Keras); calls
    /// whose inputs exist run earliest-listed first. At most <see cref="ModelConfig.MaxLayers"/> layers
    /// and <see cref="ModelConfig.MaxLayerCalls"/> calls.
    /// </remarks>
    /// <exception cref="DeepSharpException">The config is malformed, names an unknown layer type or tensor, or exceeds a limit.</exception>
    public static (SymbolicTensor[] Inputs, SymbolicTensor[] Outputs, string? Name) Read(JsonObject config)
    {
        ArgumentNullException.ThrowIfNull(config);
        try
        {
            return ReadGraph(config);
        }
        catch (Exception e) when (ModelConfig.IsConfigError(e))
        {
            throw new DeepSharpException($"Functional config: {e.Message}", e);
        }
    }

    /// <summary>One listed call of a layer: its position among the layer's calls and its arguments.</summary>
    private sealed record PendingCall(Layer Layer, int Index, JsonArray Args, JsonObject? Kwargs);

    private static (SymbolicTensor[] Inputs, SymbolicTensor[] Outputs, string? Name) ReadGraph(JsonObject config)
    {
        var entries = config["layers"] as JsonArray ?? throw new DeepSharpException("Functional config lacks 'layers'.");
        if (entries.Count > ModelConfig.MaxLayers)
            throw new DeepSharpException($"Functional config lists {entries.Count} layers; DeepSharp reads at most {ModelConfig.MaxLayers}.");
        var layers = new Dictionary<string, Layer>(entries.Count);
        var calls = new List<PendingCall>();
        // Per layer: its nodes before any listed call (an input layer has one) and the ids of its listed calls.
        var callsOf = new Dictionary<Layer, (int Existing, List<int> Calls)>(ReferenceEqualityComparer.Instance);
        foreach (var entry in entries)
        {
            var obj = entry as JsonObject ?? throw new DeepSharpException("Functional config: a layer entry is not an object.");
            string type = (string?)obj["class_name"] ?? throw new DeepSharpException("Functional config: a layer lacks 'class_name'.");
            var layer = LayerRegistry.Create(type, obj["config"] as JsonObject ?? []);
            if (!layers.TryAdd(layer.Name, layer)) throw new DeepSharpException($"Functional config names layer '{layer.Name}' twice.");
            var own = new List<int>();
            callsOf[layer] = (layer.Nodes.Count, own);
            foreach (var node in obj["inbound_nodes"] as JsonArray ?? [])
            {
                if (calls.Count == ModelConfig.MaxLayerCalls)
                    throw new DeepSharpException($"Functional config makes more than {ModelConfig.MaxLayerCalls} layer calls; DeepSharp reads at most {ModelConfig.MaxLayerCalls}.");
                var args = (node as JsonObject)?["args"] as JsonArray ?? throw new DeepSharpException($"Layer '{layer.Name}': an inbound node lacks 'args'.");
                own.Add(calls.Count);
                calls.Add(new PendingCall(layer, own.Count - 1, args, (node as JsonObject)?["kwargs"] as JsonObject));
            }
        }

        // Kahn's algorithm over the calls: waiting[c] counts the calls c still waits for.
        var waiting = new int[calls.Count];
        var dependents = new List<int>?[calls.Count];
        var histories = new List<JsonArray>();
        for (int c = 0; c < calls.Count; c++)
        {
            var call = calls[c];
            if (call.Index > 0) Wait(c, callsOf[call.Layer].Calls[call.Index - 1]);
            histories.Clear();
            CollectHistories(call, histories);
            foreach (var history in histories)
            {
                var (layer, node) = Reference(history, layers);
                var (existing, listed) = callsOf[layer];
                if (node < existing) continue;
                if (node - existing >= listed.Count)
                    throw new DeepSharpException($"Functional config refers to call {node} of layer '{layer.Name}', which is never made.");
                Wait(c, listed[node - existing]);
            }
        }
        var ready = new PriorityQueue<int, int>();
        for (int c = 0; c < calls.Count; c++)
            if (waiting[c] == 0) ready.Enqueue(c, c);
        int done = 0;
        while (ready.TryDequeue(out int c, out _))
        {
            var call = calls[c];
            MakeCall(call, layers);
            if (call.Layer.Nodes.Count != callsOf[call.Layer].Existing + call.Index + 1)
                throw new DeepSharpException($"Functional config: call {call.Index} of layer '{call.Layer.Name}' did not make one node.");
            done++;
            foreach (int d in dependents[c] ?? [])
                if (--waiting[d] == 0) ready.Enqueue(d, d);
        }
        if (done < calls.Count)
            throw new DeepSharpException($"Functional config: the inputs of layer '{calls[Array.FindIndex(waiting, w => w > 0)].Layer.Name}' never appear (a cycle).");
        return (ReadHistories(config["input_layers"], layers), ReadHistories(config["output_layers"], layers), (string?)config["name"]);

        void Wait(int call, int on)
        {
            waiting[call]++;
            (dependents[on] ??= []).Add(call);
        }
    }

    /// <summary>Makes one call, whose inputs all exist.</summary>
    private static void MakeCall(PendingCall call, Dictionary<string, Layer> layers)
    {
        var (layer, _, args, kwargs) = call;
        var positional = Resolve(args, layers) ?? throw new DeepSharpException($"Functional config: an input of layer '{layer.Name}' does not exist.");
        var (named, arguments) = ResolveKeywords(layer, kwargs, layers)
            ?? throw new DeepSharpException($"Functional config: a keyword input of layer '{layer.Name}' does not exist.");
        // Several separate args (not one list, as merge layers take) are a call with positional arguments.
        bool separateArgs = args.Count > 1;
        layer.Call([.. positional, .. named], arguments.IsEmpty && !separateArgs ? CallArguments.None : arguments.WithPositional(positional.Length));
    }

    /// <summary>The keras_history triples a call reads, positional and keyword.</summary>
    private static void CollectHistories(PendingCall call, List<JsonArray> histories)
    {
        var list = call.Args.Count == 1 && call.Args[0] is JsonArray inner ? inner : call.Args;
        foreach (var item in list) histories.Add(HistoryOf(item) ?? throw new DeepSharpException("Functional config: an argument lacks keras_history."));
        foreach (var (name, value) in call.Kwargs ?? [])
        {
            if (value is JsonObject o && IsKerasTensor(o)) histories.Add(KeywordHistory(call.Layer, name, o));
            else if (value is JsonArray items && items.Count > 0 && items.All(e => e is JsonObject item && IsKerasTensor(item)))
                foreach (var item in items) histories.Add(KeywordHistory(call.Layer, name, (JsonObject)item!));
        }
    }

    private static JsonArray? HistoryOf(JsonNode? tensor) => tensor is JsonObject o && o["config"] is JsonObject c ? c["keras_history"] as JsonArray : null;

    private static JsonArray KeywordHistory(Layer layer, string name, JsonObject tensor) =>
        HistoryOf(tensor) ?? throw new DeepSharpException($"Layer '{layer.Name}': keyword argument '{name}' lacks keras_history.");

    /// <summary>The layer and call a keras_history [layer, node, tensor] names.</summary>
    private static (Layer Layer, int Node) Reference(JsonArray history, Dictionary<string, Layer> layers)
    {
        if (history.Count == 0) throw new DeepSharpException("Functional config: an empty keras_history.");
        string name = (string?)history[0] ?? "";
        int node = history.Count > 1 ? (int?)history[1] ?? 0 : 0;
        if (!layers.TryGetValue(name, out var layer)) throw new DeepSharpException($"Functional config refers to unknown layer '{name}'.");
        if (node < 0) throw new DeepSharpException($"Functional config refers to call {node} of layer '{name}'.");
        return (layer, node);
    }

    /// <summary>
    /// One call as Keras writes it: inputs of a plain call as args (a list of them for merge layers);
    /// for a call with keyword arguments, the positional inputs as args and the rest in kwargs.
    /// </summary>
    private static JsonObject InboundNode(LayerNode node)
    {
        var a = node.Arguments;
        if (ReferenceEquals(a, CallArguments.None))
        {
            JsonNode args = node.Inputs.Count == 1 ? KerasTensor(node.Inputs[0]) : new JsonArray([.. node.Inputs.Select(KerasTensor)]);
            return new JsonObject { ["args"] = new JsonArray(args), ["kwargs"] = new JsonObject() };
        }
        var kwargs = new JsonObject();
        for (int i = 0; i < a.TensorNames.Count; i++)
        {
            string name = a.TensorNames[i];
            if (!a.IsList(name)) kwargs[name] = KerasTensor(node.Inputs[a.Positional + i]);
            else if (!kwargs.ContainsKey(name)) kwargs[name] = new JsonArray([.. node.Inputs.Skip(a.Positional + i).Take(a.RangeOf(name).Count).Select(KerasTensor)]);
        }
        foreach (var (name, value) in a.Flags) kwargs[name] = value;
        return new JsonObject { ["args"] = new JsonArray([.. node.Inputs.Take(a.Positional).Select(KerasTensor)]), ["kwargs"] = kwargs };
    }

    /// <summary>
    /// The tensors and options of a call's kwargs (null values are Keras's defaults and are skipped;
    /// a list of tensors, as initial_state, becomes a list keyword), or null while a tensor does not
    /// exist yet.
    /// </summary>
    private static (SymbolicTensor[] Tensors, CallArguments Arguments)? ResolveKeywords(Layer layer, JsonObject? kwargs, Dictionary<string, Layer> layers)
    {
        var tensors = new List<SymbolicTensor>();
        var names = new List<string>();
        var flags = new List<KeyValuePair<string, bool>>();
        var lists = new List<string>();
        foreach (var (name, value) in kwargs ?? [])
        {
            switch (value)
            {
                case null:
                    break;
                case JsonObject o when IsKerasTensor(o):
                    var t = FindKeyword(layer, name, o, layers);
                    if (t is null) return null;
                    tensors.Add(t);
                    names.Add(name);
                    break;
                case JsonArray list when list.Count > 0 && list.All(e => e is JsonObject item && IsKerasTensor(item)):
                    foreach (var item in list)
                    {
                        var element = FindKeyword(layer, name, (JsonObject)item!, layers);
                        if (element is null) return null;
                        tensors.Add(element);
                        names.Add(name);
                    }
                    lists.Add(name);
                    break;
                case JsonValue v when v.TryGetValue(out bool flag):
                    flags.Add(new(name, flag));
                    break;
                default:
                    throw new DeepSharpException($"Layer '{layer.Name}': keyword argument '{name}' = {value.ToJsonString()} is neither a tensor, a list of tensors nor a boolean.");
            }
        }
        return ([.. tensors], new CallArguments(0, names, flags, lists));
    }

    private static bool IsKerasTensor(JsonObject o) => (string?)o["class_name"] == "__keras_tensor__";

    private static SymbolicTensor? FindKeyword(Layer layer, string name, JsonObject tensor, Dictionary<string, Layer> layers) =>
        Find(KeywordHistory(layer, name, tensor), layers);

    private static JsonObject KerasTensor(SymbolicTensor t)
    {
        var shape = new JsonArray { null };
        foreach (int d in t.Shape.Dims) shape.Add((JsonNode)d);
        return new JsonObject
        {
            ["class_name"] = "__keras_tensor__",
            ["config"] = new JsonObject { ["shape"] = shape, ["dtype"] = t.DType == Tensors.DType.Int32 ? "int32" : "float32", ["keras_history"] = History(t) },
        };
    }

    private static JsonArray History(SymbolicTensor t) => new(t.Layer.Name, t.Node.Index, t.TensorIndex);

    /// <summary>The symbolic tensors a node's args name, or null while one does not exist yet.</summary>
    private static SymbolicTensor[]? Resolve(JsonArray args, Dictionary<string, Layer> layers)
    {
        var list = args.Count == 1 && args[0] is JsonArray inner ? inner : args;
        var result = new SymbolicTensor[list.Count];
        for (int i = 0; i < list.Count; i++)
        {
            var history = HistoryOf(list[i]) ?? throw new DeepSharpException("Functional config: an argument lacks keras_history.");
            var t = Find(history, layers);
            if (t is null) return null;
            result[i] = t;
        }
        return result;
    }

    private static SymbolicTensor? Find(JsonArray history, Dictionary<string, Layer> layers)
    {
        var (layer, node) = Reference(history, layers);
        string name = layer.Name;
        int tensor = history.Count > 2 ? (int?)history[2] ?? 0 : 0;
        if (node >= layer.Nodes.Count) return null;
        var outputs = layer.Nodes[node].Outputs;
        if (tensor < 0 || tensor >= outputs.Count)
            throw new DeepSharpException($"Functional config refers to output {tensor} of layer '{name}' (call {node}), which has {outputs.Count} output{(outputs.Count == 1 ? "" : "s")}.");
        return outputs[tensor];
    }

    private static SymbolicTensor[] ReadHistories(JsonNode? node, Dictionary<string, Layer> layers)
    {
        if (node is not JsonArray array || array.Count == 0) throw new DeepSharpException("Functional config lacks input_layers or output_layers.");
        var items = array[0] is JsonArray // one triple or a list of them
            ? array.Select(a => a as JsonArray ?? throw new DeepSharpException($"Functional config: {node.ToJsonString()} is not a list of [layer, node, tensor].")).ToArray()
            : [array];
        return items.Select(h => Find(h, layers) ?? throw new DeepSharpException($"Functional config: tensor {h.ToJsonString()} does not exist.")).ToArray();
    }
}
