// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.7.0;

/// @title LaunchMintFixed
/// @notice One mint per address, half price for the first EARLY_SUPPLY mints.
///         The discount depends on a mint counter instead of block values, so
///         block producers cannot shift who qualifies.
contract LaunchMintFixed {
    uint256 public constant EARLY_PRICE = 0.05 ether;
    uint256 public constant PRICE = 0.1 ether;
    uint256 public constant EARLY_SUPPLY = 100;
    address payable public immutable treasury;
    uint256 public earlyMints;
    mapping(address => bool) public minted;

    event Minted(address indexed account, uint256 paid);

    constructor(address payable _treasury) {
        require(_treasury != address(0), "zero treasury");
        treasury = _treasury;
    }

    function mint() external payable {
        require(!minted[msg.sender], "already minted");
        uint256 price = PRICE;
        if (earlyMints < EARLY_SUPPLY) {
            price = EARLY_PRICE;
            earlyMints = earlyMints + 1;
        }
        require(msg.value == price, "wrong payment");
        minted[msg.sender] = true;
        emit Minted(msg.sender, msg.value);
    }

    function withdraw() external {
        require(msg.sender == treasury, "not treasury");
        treasury.transfer(address(this).balance);
    }
}
