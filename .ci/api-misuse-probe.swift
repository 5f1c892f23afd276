// CI (issue 19, item 7a): a wrong-size input in an -O build stops with a
// message naming the sizes (precondition's message is dropped under -O).
@main struct Probe {
    static func main() {
        let model = XOR()
        print(model.predict([1, 2, 3]))
    }
}
