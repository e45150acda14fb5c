using System.Reflection;
using System.Text.RegularExpressions;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using Microsoft.FSharp.Core;

namespace Unlearning.Properties.Checking;

/// <summary>
/// The conventions every property of this suite relies on (README, "Testing conventions"): a failing
/// <c>[Property]</c> prints its seed and its shrunk counterexample, the printed seed replays it, and
/// every parameter of a property is drawn from an Arbitrary the suite registered (never from one
/// FsCheck derives by reflection, which would silently test other values than the laws state).
/// </summary>
public sealed partial class PropertyConventionTests
{
    /// <summary>
    /// A law that fails from 500 up, over values from 501 to 1000 that shrink by halving and by
    /// stepping down one. Every first counterexample lies above the smallest one, so shrinking always
    /// has work to do and always ends at 500. (The law this replaces drew from 0 to 1000: once in 501
    /// runs the first counterexample was 500 itself, FsCheck shrank nothing and printed no "Shrunk:"
    /// section, and the test failed: 7 of 3,000 runs measured.)
    /// </summary>
    public static class Above500
    {
        public static Arbitrary<int> Ints() => Arb.From(Gen.Choose(501, 1000), x => x > 0 ? [x / 2, x - 1] : []);
    }

    public static bool Below_500(int x) => x < 500;

    private static string Failure(FSharpOption<Replay> replay)
    {
        var config = Config.QuickThrowOnFailure.WithArbitrary([typeof(Above500)]).WithReplay(replay);
        var method = typeof(PropertyConventionTests).GetMethod(nameof(Below_500))!;
        var e = Assert.ThrowsAny<Exception>(() => Check.Method(config, method, FSharpOption<object>.None));
        return (e is TargetInvocationException { InnerException: { } inner } ? inner : e).Message;
    }

    [GeneratedRegex(@"Falsifiable, after \d+ tests? \(\d+ shrinks?\) \((\d+),(\d+)\)")]
    private static partial Regex SeedLine();

    [Fact]
    public void A_failing_property_prints_its_seed_and_the_counterexample_shrunk_to_the_boundary()
    {
        var report = Failure(FSharpOption<Replay>.None);
        Assert.Matches(SeedLine(), report);
        Assert.Matches(@"Original:\s+(50[1-9]|5[1-9]\d|[6-9]\d\d|1000)\s", report);
        Assert.Matches(@"Shrunk:\s+500\s", report);
    }

    [Fact]
    public void The_printed_seed_replays_the_same_report()
    {
        var first = Failure(FSharpOption<Replay>.None);
        var seed = SeedLine().Match(first);
        // What [Property(Replay = "seed,gamma")] hands FsCheck.
        var replay = new Replay(new Rnd(ulong.Parse(seed.Groups[1].Value), ulong.Parse(seed.Groups[2].Value)), FSharpOption<int>.None);
        Assert.Equal(first, Failure(FSharpOption<Replay>.Some(replay)));
    }

    private static IEnumerable<MethodInfo> TestMethods() =>
        typeof(PropertyConventionTests).Assembly.GetTypes()
            .SelectMany(t => t.GetMethods(BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Instance | BindingFlags.Static | BindingFlags.DeclaredOnly));

    /// <summary>The Arbitrary types in force for a property: its own, its classes' and the assembly's.</summary>
    private static IEnumerable<Type> Registered(MethodInfo m)
    {
        var attributes = new List<PropertyAttribute> { m.GetCustomAttribute<PropertyAttribute>()! };
        for (var t = m.DeclaringType; t is not null; t = t.DeclaringType)
        {
            attributes.AddRange(t.GetCustomAttributes<PropertiesAttribute>());
        }

        attributes.AddRange(m.DeclaringType!.Assembly.GetCustomAttributes<PropertiesAttribute>());
        return attributes.SelectMany(a => a.Arbitrary ?? []);
    }

    private static bool Provides(Type arbitraries, Type value) =>
        arbitraries.GetMethods(BindingFlags.Public | BindingFlags.Static).Select(x => x.ReturnType)
            .Concat(arbitraries.GetProperties(BindingFlags.Public | BindingFlags.Static).Select(x => x.PropertyType))
            .Contains(typeof(Arbitrary<>).MakeGenericType(value));

    [Fact]
    public void Every_parameter_of_a_property_has_a_registered_Arbitrary()
    {
        var properties = TestMethods().Where(m => m.GetCustomAttribute<PropertyAttribute>() is not null).ToList();
        Assert.True(properties.Count >= 100, $"only {properties.Count} [Property] methods found");
        var unregistered = properties
            .SelectMany(m => m.GetParameters().Where(p => !Registered(m).Any(a => Provides(a, p.ParameterType)))
                .Select(p => $"{m.DeclaringType!.Name}.{m.Name}({p.ParameterType.Name} {p.Name})"))
            .ToList();
        Assert.True(unregistered.Count == 0, "parameters FsCheck would generate by reflection: " + string.Join(", ", unregistered));
    }

    [Fact]
    public void A_property_without_parameters_returns_its_law()
    {
        // Without parameters, a [Property] returning bool or void would run one fixed case MaxTest
        // times. (A [Fact] returning a Property, which would build its law and never check it, is
        // already refused by the build: xUnit1028.)
        var wrong = TestMethods()
            .Where(m => m.GetCustomAttribute<PropertyAttribute>() is not null && m.GetParameters().Length == 0 && m.ReturnType != typeof(Property))
            .Select(m => $"{m.DeclaringType!.Name}.{m.Name}")
            .ToList();
        Assert.True(wrong.Count == 0, string.Join(", ", wrong));
    }
}
