using Unlearning.Core.Errors;

namespace Unlearning.Storage;

/// <summary>
/// A file that is not what its format says: wrong magic, truncated, a size or offset out of range,
/// a checksum mismatch, a name or shape that does not match the configuration. The message always
/// names the file, so the shell can show it as is.
/// </summary>
public sealed class StorageFormatException : IOException
{
    public StorageFormatException(string file, string field, string expected, string found, Exception? inner = null)
        : base($"{file}: {field}: expected {expected}, found {found}", inner)
    {
        File = file;
        Field = field;
        Expected = expected;
        Found = found;
    }

    public string File { get; }

    public string Field { get; }

    public string Expected { get; }

    public string Found { get; }

    public InputError ToInputError() => new(File, Field, Expected, Found);
}
