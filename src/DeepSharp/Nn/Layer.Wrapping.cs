namespace DeepSharp.Nn;

/// <summary>Layers that wrap other layers (<see cref="Layers.Bidirectional"/>) own their weights too.</summary>
public abstract partial class Layer
{
    /// <summary>
    /// Lists <paramref name="inner"/>'s weights among this layer's, named by their path below it
    /// ("inner/weight", or "inner/cell/weight" for a sublayer's), so models save, load and train them
    /// through this layer ("bidirectional/forward_lstm/lstm_cell/kernel", "bidirectional/forward_rnn/lstm_cell/kernel").
    /// </summary>
    protected void TrackWeightsOf(Layer inner)
    {
        foreach (var p in inner.Parameters)
        {
            string name = ReferenceEquals(p.Owner, inner) ? $"{inner.Name}/{p.Name}" : inner.Name + p.Path[inner.Path.Length..];
            _parameters.Add(new Parameter(this, name, p.Value, p.Trainable, p.Regularizer, p.Constraint));
        }
    }
}
