using LanguageExt;
using Unlearning.Core.Errors;

namespace Unlearning.Properties.Model;

internal static class EitherExtensions
{
    /// <summary>The right value, or a test failure that shows the input error.</summary>
    public static T Ok<T>(this Either<InputError, T> e) => e.Match(x => x, err => throw new InvalidOperationException(err.ToString()));
}
