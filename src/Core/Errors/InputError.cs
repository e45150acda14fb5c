namespace Unlearning.Core.Errors;

/// <summary>
/// Bad input, described so a person can fix it: where it came from (a file path, "configuration",
/// "argument"), which field, what was expected and what was found. Core functions return it inside
/// a LanguageExt <c>Either</c>/<c>Validation</c>; only the shell turns it into an exit code.
/// </summary>
public sealed record InputError(string Where, string Field, string Expected, string Found)
{
    public override string ToString() => $"{Where}: {Field}: expected {Expected}, found {Found}";

    public InputException ToException() => new(this);
}

/// <summary>The exception form of <see cref="InputError"/>, for the few places that cannot return one.</summary>
public sealed class InputException : Exception
{
    public InputException(InputError error)
        : base(error.ToString()) => Error = error;

    public InputError Error { get; }
}
