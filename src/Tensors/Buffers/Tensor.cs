namespace Unlearning.Tensors.Buffers;

/// <summary>
/// A float32 buffer with a row-major shape. The data array is the storage itself (no copy on wrap),
/// so a model's weight tensor and the array a checkpoint writes are the same object.
/// </summary>
public sealed class Tensor
{
    private readonly int[] _shape;

    public Tensor(float[] data, params int[] shape)
    {
        ArgumentNullException.ThrowIfNull(data);
        ArgumentNullException.ThrowIfNull(shape);
        long n = 1;
        foreach (int d in shape)
        {
            if (d < 0)
            {
                throw new ArgumentException($"tensor shape [{string.Join(", ", shape)}] has a negative dimension");
            }

            n *= d;
        }

        if (n != data.Length)
        {
            throw new ArgumentException($"tensor shape [{string.Join(", ", shape)}] holds {n} elements, the buffer has {data.Length}");
        }

        Data = data;
        _shape = (int[])shape.Clone();
    }

    public float[] Data { get; }

    public IReadOnlyList<int> Shape => _shape;

    public int Length => Data.Length;

    public int Rank => _shape.Length;

    public static Tensor Zeros(params int[] shape)
    {
        long n = 1;
        foreach (int d in shape)
        {
            n *= Math.Max(d, 0);
        }

        return new Tensor(new float[checked((int)n)], shape);
    }

    public Tensor Clone() => new((float[])Data.Clone(), _shape);

    public override string ToString() => $"Tensor[{string.Join(", ", _shape)}]";
}
