namespace DeepSharp.Nn;

/// <summary>Layers that wrap other layers (<see cref="Layers.Bidirectional"/>) own their weights too.</summary>
public abstract partial class Layer
{
    /// <summary>
    /// Lists <paramref name="inner"/>'s weights among this layer's, named "inner/weight", so models
    /// save, load and train them through this layer ("bidirectional/forward_lstm/lstm_cell/kernel").
    /// </summary>
    protected void TrackWeightsOf(Layer inner)
    {
        foreach (var p in inner.Parameters)
            _parameters.Add(new Parameter(this, $"{inner.Name}/{p.Name}", p.Value, p.Trainable, p.Regularizer, p.Constraint));
    }
}
